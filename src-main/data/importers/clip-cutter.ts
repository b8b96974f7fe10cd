import { DataError } from '../errors'
import {
  createFrameStoreWriter,
  type FrameStoreManifest,
  type FrameStoreWriter,
  type Provenance,
  type SplitName,
  type Splits,
} from '../frame-store'
import { convertChannels, resizeFrame, type FrameSize } from '../image'
import type { SplitAssigner } from './split-rule'
import type { ResolvedImportOptions } from './types'

/** One decoded frame, HWC uint8, with the file it came from (for error messages). */
export interface Frame {
  data: Uint8Array
  height: number
  width: number
  channels: number
  file: string
}

export interface ConvertedSize extends FrameSize {
  channels: 1 | 3
}

/**
 * Converts frames to the stored channel count and size. The first frame fixes both unless the
 * options do; later frames that differ in size are refused unless a resize is set.
 */
export function createFrameConverter(options: Pick<ResolvedImportOptions, 'color' | 'resize'>) {
  let target: ConvertedSize | undefined
  let firstSize: FrameSize | undefined
  return {
    get size() {
      return target
    },
    convert(frame: Frame): Uint8Array {
      if (!target || !firstSize) {
        firstSize = { height: frame.height, width: frame.width }
        const channels =
          options.color === 'gray' ? 1 : options.color === 'rgb' ? 3 : frame.channels <= 2 ? 1 : 3
        target = { ...(options.resize ?? firstSize), channels }
      }
      if (
        !options.resize &&
        (frame.height !== firstSize.height || frame.width !== firstSize.width)
      ) {
        throw new DataError(
          frame.file,
          `frame is ${frame.height}×${frame.width}, the first was ${firstSize.height}×${firstSize.width} (set a resize to mix sizes)`,
        )
      }
      const pixels = frame.height * frame.width
      const colored = convertChannels(frame.data, pixels, frame.channels, target.channels)
      return resizeFrame(colored, frame, target.channels, target)
    },
  }
}

/**
 * How many clips the cutter stores from a sequence of `frames` frames: every `frameStride`-th
 * frame is kept, then clips of `clipLength` start every `clipStride` kept frames. Previews
 * count with it, so they promise what the import will store.
 */
export function clipsInSequence(
  frames: number,
  options: Pick<ResolvedImportOptions, 'clipLength' | 'clipStride' | 'frameStride'>,
): number {
  const kept = Math.ceil(frames / options.frameStride)
  if (kept < options.clipLength) return 0
  return Math.floor((kept - options.clipLength) / options.clipStride) + 1
}

/** The refusal of a source none of whose sequences is long enough for one clip. */
export function noClipsError(source: string, clipLength: number, detail = ''): DataError {
  return new DataError(source, `no clips: no sequence has ${clipLength} frames${detail}`)
}

/**
 * Cuts sequences of frames into fixed-length clips and stores them. Sources push frames
 * (synchronously, so streaming decoders can call it from their callbacks).
 */
export function createClipCutter(
  dir: string,
  source: string,
  options: ResolvedImportOptions,
  assignSplit: SplitAssigner,
) {
  const { clipLength, clipStride, frameStride } = options
  const converter = createFrameConverter(options)
  const splits: Splits = { train: [], val: [], test: [] }
  let writer: FrameStoreWriter | undefined
  let split: SplitName = 'train'
  let window: Uint8Array[] = []
  let seen = 0
  /** Frames still to drop after a clip when the clip stride exceeds the clip length. */
  let skip = 0

  function emit() {
    const size = converter.size!
    writer ??= createFrameStoreWriter(dir, {
      T: clipLength,
      H: size.height,
      W: size.width,
      C: size.channels,
    })
    const frameBytes = window[0]!.length
    const clip = new Uint8Array(clipLength * frameBytes)
    window.forEach((f, t) => clip.set(f, t * frameBytes))
    writer.appendClips(clip)
    splits[split].push(writer.clipCount - 1)
  }

  return {
    beginSequence(index: number, name: string, file: string) {
      split = assignSplit(index, name, file)
      window = []
      seen = 0
      skip = 0
    },
    pushFrame(frame: Frame) {
      if (seen++ % frameStride !== 0) return
      if (skip > 0) {
        skip--
        return
      }
      window.push(converter.convert(frame))
      if (window.length < clipLength) return
      emit()
      window = window.slice(Math.min(clipStride, clipLength))
      skip = Math.max(0, clipStride - clipLength)
    },
    finish(provenance: Provenance): FrameStoreManifest {
      if (!writer) {
        throw noClipsError(source, clipLength)
      }
      return writer.finish({ splits, provenance })
    },
    abort() {
      writer?.abort()
    },
  }
}

export type ClipCutter = ReturnType<typeof createClipCutter>
