import { DataError } from '../errors'
import {
  assertFrameDtype,
  decodeNpyIntegers,
  NPY_PREAMBLE_BYTES,
  parseNpyHeader,
  viewAs,
  type NpyHeader,
  type NpyValues,
} from '../npy'
import {
  detectFloatScale,
  scanValueRange,
  toUint8,
  type FloatScale,
  type ValueRange,
} from '../values'
import { clipsInSequence, createFrameConverter, noClipsError } from './clip-cutter'
import { resolveImportOptions, runImport } from './run-import'
import { previewFrameIndices, type ImportOptions, type Importer } from './types'
import { streamZipEntries, type EntryReader } from './zip-stream'

/**
 * The thuml/PredRNN .npz layout (core/data_provider/mnist.py): `dims` is [[C, H, W]];
 * `input_raw_data` holds all frames, [frames, C, H, W] (or [frames, H, W, C]); `clips` is
 * [2, N, 2] of (start, length): row 0 the input frames of clip i, row 1 its output frames.
 * A stored clip is its input frames followed by its output frames.
 */
export interface NpzImportOptions extends ImportOptions {
  floatScale?: FloatScale
}

interface NpzIndex {
  /** Frame indices of each clip, input then output. */
  clipFrames: number[][]
  channels: number
  height: number
  width: number
  header: NpyHeader
  /** Frame axes after the first: channels first or last. */
  layout: 'FCHW' | 'FHWC'
}

const FRAMES_ENTRY = 'input_raw_data.npy'
/** `clips` and `dims` are small index arrays; anything bigger is not a PredRNN file. */
const MAX_INDEX_BYTES = 64 << 20

export const npzImporter: Importer<NpzImportOptions> = {
  name: 'predrnn-npz',
  version: '1',

  async preview(path, options = {}) {
    const index = await readNpzIndex(path)
    const first = index.clipFrames[0]!
    const resolved = resolveImportOptions(options, first.length)
    const clipCount = index.clipFrames.reduce((n, c) => n + clipsInSequence(c.length, resolved), 0)
    if (clipCount === 0) throw noClipsError(path, resolved.clipLength)
    const picked = previewFrameIndices(first.length, resolved).map((i) => first[i]!)
    const wanted = new Set(picked)
    const raw = new Map<number, NpyValues>()
    await streamFrames(path, index, (values, f) => {
      if (wanted.has(f)) raw.set(f, values.slice())
      return raw.size < wanted.size
    })
    const samples = picked.map((f) => raw.get(f)!)
    const valueRange = samples
      .map((v) => scanValueRange(v, path))
      .reduce((a, b) => ({ min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) }))
    const scale = options.floatScale ?? detectFloatScale(valueRange)
    const converter = createFrameConverter(resolved)
    const frames = samples.map((v) =>
      converter.convert(toFrame(toUint8(v, scale, path), index, path)),
    )
    const size = converter.size!
    const sampleFramesTHWC = new Uint8Array(frames.length * frames[0]!.length)
    frames.forEach((f, i) => sampleFramesTHWC.set(f, i * f.length))
    return {
      file: path,
      format: 'predrnn-npz',
      dtype: index.header.dtype,
      sourceShape: index.header.shape,
      layout: index.layout,
      valueRange,
      sequenceCount: index.clipFrames.length,
      clipShape: { T: resolved.clipLength, H: size.height, W: size.width, C: size.channels },
      clipCount,
      sampleFramesTHWC,
      sampleShape: [frames.length, size.height, size.width, size.channels],
    }
  },

  async importTo(path, dir, options = {}) {
    const index = await readNpzIndex(path)
    const floatScale =
      index.header.dtype === 'uint8'
        ? undefined
        : (options.floatScale ?? detectFloatScale(await scanFrameRange(path, index)))
    const clipCount = index.clipFrames.length
    return runImport({
      importer: { name: npzImporter.name, version: npzImporter.version },
      source: path,
      dir,
      options: resolveImportOptions(options, index.clipFrames[0]!.length),
      detected: { layout: index.layout, ...(floatScale ? { floatScale } : {}) },
      sequenceCount: clipCount,
      async feed(cutter, guard) {
        await guard.track(path)
        // Which (clip, position) pairs each frame fills; clips are emitted in file order.
        const uses = new Map<number, Array<[number, number]>>()
        index.clipFrames.forEach((frames, clip) =>
          frames.forEach((f, t) => uses.set(f, [...(uses.get(f) ?? []), [clip, t]])),
        )
        const pending = new Map<number, { frames: Uint8Array[]; filled: number }>()
        let nextClip = 0
        const emitReady = () => {
          for (let p = pending.get(nextClip); p && p.filled === p.frames.length;) {
            cutter.beginSequence(nextClip, `clip-${nextClip}`, path)
            for (const data of p.frames) cutter.pushFrame(toFrame(data, index, path))
            pending.delete(nextClip)
            p = pending.get(++nextClip)
          }
        }
        await streamFrames(path, index, (values, f) => {
          const needs = uses.get(f)
          if (!needs) return true
          const where = (i: number) => `frame ${f}, element ${i}`
          const frame = toHWC(toUint8(values, floatScale ?? 'byte', path, where), index)
          for (const [clip, t] of needs) {
            let p = pending.get(clip)
            if (!p) pending.set(clip, (p = { frames: [], filled: 0 }))
            p.frames[t] = frame
            p.filled++
            p.frames.length = Math.max(p.frames.length, index.clipFrames[clip]!.length)
          }
          emitReady()
          return nextClip < clipCount
        })
        if (nextClip < clipCount) {
          throw new DataError(path, `${FRAMES_ENTRY} ends before clip ${nextClip} is complete`)
        }
      },
    })
  },
}

/** First pass: the index arrays and the frame array's header (its data is skipped). */
async function readNpzIndex(path: string): Promise<NpzIndex> {
  const small = new Map<string, Uint8Array[]>()
  let header: NpyHeader | undefined
  const collect = (name: string): EntryReader => {
    let bytes = 0
    return (chunk) => {
      bytes += chunk.length
      if (bytes > MAX_INDEX_BYTES) throw new DataError(path, `${name} is too large for an index`)
      small.set(name, [...(small.get(name) ?? []), chunk])
    }
  }
  let prefix: Uint8Array = new Uint8Array(0)
  const names = await streamZipEntries(path, (name) => {
    if (name === 'clips.npy' || name === 'dims.npy') return collect(name)
    if (name !== FRAMES_ENTRY) return undefined
    return (chunk, final) => {
      if (header) return !(small.has('clips.npy') && small.has('dims.npy'))
      prefix = concat([prefix, chunk])
      const need = headerLength(prefix)
      if (prefix.length < need && !final) return true
      header = parseNpyHeader(prefix, `${path}:${FRAMES_ENTRY}`)
      // The index arrays may come after the frames in the archive; keep reading until both are in.
      return !(small.has('clips.npy') && small.has('dims.npy'))
    }
  })
  for (const name of ['clips.npy', 'dims.npy', FRAMES_ENTRY]) {
    if (!names.includes(name)) throw new DataError(path, `no ${name} (not a PredRNN .npz)`)
  }
  if (!header) throw new DataError(path, `${FRAMES_ENTRY} has no readable header`)
  assertFrameDtype(header, `${path}:${FRAMES_ENTRY}`)
  const dims = decodeNpyIntegers(concat(small.get('dims.npy') ?? []), `${path}:dims.npy`)
  const clips = decodeNpyIntegers(concat(small.get('clips.npy') ?? []), `${path}:clips.npy`)
  return buildIndex(path, dims, clips, header)
}

function buildIndex(
  path: string,
  dims: { shape: number[]; values: number[] },
  clips: { shape: number[]; values: number[] },
  header: NpyHeader,
): NpzIndex {
  if (dims.shape.length !== 2 || dims.shape[1] !== 3) {
    throw new DataError(path, `dims has shape (${dims.shape.join(', ')}), expected (1, 3)`)
  }
  if (dims.shape[0] !== 1) {
    throw new DataError(path, 'a separate output_raw_data (dims with 2 rows) is not supported')
  }
  const [C, H, W] = dims.values as [number, number, number]
  const frameDims = header.shape.slice(1).join(',')
  const layout =
    frameDims === `${C},${H},${W}` ? 'FCHW' : frameDims === `${H},${W},${C}` ? 'FHWC' : undefined
  if (header.shape.length !== 4 || !layout) {
    throw new DataError(
      path,
      `${FRAMES_ENTRY} has shape (${header.shape.join(', ')}), dims says frames are ${C}×${H}×${W}`,
    )
  }
  if (clips.shape.length !== 3 || clips.shape[0] !== 2 || clips.shape[2] !== 2) {
    throw new DataError(path, `clips has shape (${clips.shape.join(', ')}), expected (2, N, 2)`)
  }
  const N = clips.shape[1]!
  if (N === 0) throw new DataError(path, 'holds zero clips')
  const frameCount = header.shape[0]!
  const clipFrames: number[][] = []
  for (let i = 0; i < N; i++) {
    const frames: number[] = []
    for (const row of [0, 1]) {
      const start = clips.values[(row * N + i) * 2]!
      const length = clips.values[(row * N + i) * 2 + 1]!
      if (start < 0 || length < 0 || start + length > frameCount) {
        throw new DataError(
          path,
          `clip ${i} spans frames ${start}+${length}, but there are ${frameCount}`,
        )
      }
      for (let f = start; f < start + length; f++) frames.push(f)
    }
    if (frames.length !== clipFrames[0]?.length && i > 0) {
      throw new DataError(
        path,
        `clip ${i} has ${frames.length} frames, clip 0 has ${clipFrames[0]?.length}`,
      )
    }
    clipFrames.push(frames)
  }
  return { clipFrames, channels: C, height: H, width: W, header, layout }
}

/**
 * Second pass: hands each frame of the frame array to `onFrame` in order (values in the file's
 * dtype, the source layout); `onFrame` returns false once it needs no more.
 */
async function streamFrames(
  path: string,
  index: NpzIndex,
  onFrame: (values: NpyValues, frame: number) => boolean,
) {
  const { header } = index
  const frameBytes = index.channels * index.height * index.width * header.itemBytes
  let carry: Uint8Array = new Uint8Array(0)
  let consumed = 0
  let frame = 0
  await streamZipEntries(path, (name) => {
    if (name !== FRAMES_ENTRY) return undefined
    return (chunk) => {
      let bytes = concat([carry, chunk])
      if (consumed < header.dataOffset) {
        const skip = Math.min(bytes.length, header.dataOffset - consumed)
        consumed += skip
        bytes = bytes.subarray(skip)
      }
      let at = 0
      for (; at + frameBytes <= bytes.length; at += frameBytes) {
        const values = viewAs(header.dtype, bytes.subarray(at, at + frameBytes))
        if (!onFrame(values, frame++)) return false
      }
      carry = bytes.slice(at)
      return true
    }
  })
}

/** The range of every frame value, for float input whose scale was not given. */
async function scanFrameRange(path: string, index: NpzIndex): Promise<ValueRange> {
  let range: ValueRange = { min: Infinity, max: -Infinity }
  await streamFrames(path, index, (values, f) => {
    const r = scanValueRange(values, path, (i) => `frame ${f}, element ${i}`)
    range = { min: Math.min(range.min, r.min), max: Math.max(range.max, r.max) }
    return true
  })
  return range
}

function toHWC(frame: Uint8Array, index: NpzIndex): Uint8Array {
  if (index.layout === 'FHWC' || index.channels === 1) return frame
  const plane = index.height * index.width
  const out = new Uint8Array(frame.length)
  for (let c = 0; c < index.channels; c++) {
    for (let p = 0; p < plane; p++) out[p * index.channels + c] = frame[c * plane + p] as number
  }
  return out
}

function toFrame(hwc: Uint8Array, index: NpzIndex, file: string) {
  return { data: hwc, height: index.height, width: index.width, channels: index.channels, file }
}

/** Bytes the .npy header in `prefix` spans, or a lower bound while the preamble is incomplete. */
function headerLength(prefix: Uint8Array): number {
  if (prefix.length < NPY_PREAMBLE_BYTES) return NPY_PREAMBLE_BYTES
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength)
  return prefix[6] === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true)
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
