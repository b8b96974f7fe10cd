import { stat } from 'node:fs/promises'
import { VIDEO_EXTENSIONS } from '../../domain/import-files'
import { DataError } from '../errors'
import { createFrameConverter, type Frame } from './clip-cutter'
import { locateFfmpeg, runFfmpeg, type FfmpegBinary } from './ffmpeg'
import { resolveImportOptions, runImport } from './run-import'
import { findFiles, naturalOrder } from './sequence-files'
import { previewFrameIndices, type ImportOptions, type Importer } from './types'

export interface VideoImportOptions extends ImportOptions {
  /** Applied by ffmpeg before the resize, in source pixels. */
  crop?: { x: number; y: number; width: number; height: number }
}

interface VideoSource {
  file: string
  /** File name relative to the chosen folder, what split patterns match. */
  name: string
}

/**
 * Video files decoded by ffmpeg to raw frames: a single file, or every video under a folder (one
 * sequence per file). Cropping, resizing and gray conversion happen inside ffmpeg, so only the
 * small frames cross the pipe.
 */
export const videoImporter: Importer<VideoImportOptions> = {
  name: 'video',
  version: '1',

  async preview(path, options = {}) {
    const ffmpeg = await requireFfmpeg(path)
    const videos = await listVideos(path)
    const resolved = resolveImportOptions(options)
    const first = videos[0]!
    // The first clip's frames, whatever the video's length (unknown until it is decoded).
    const wanted = previewFrameIndices(Infinity, resolved)
    const frames: Frame[] = []
    let seen = 0
    const source = await decodeVideo(ffmpeg, first.file, options, (frame) => {
      if (wanted.includes(seen++)) frames.push(frame)
      return frames.length < wanted.length
    })
    const converter = createFrameConverter(resolved)
    const converted = frames.map((f) => converter.convert(f))
    const size = converter.size!
    const sampleFramesTHWC = new Uint8Array(converted.length * converted[0]!.length)
    converted.forEach((f, i) => sampleFramesTHWC.set(f, i * f.length))
    let min = 255
    let max = 0
    for (const v of sampleFramesTHWC) {
      min = Math.min(min, v)
      max = Math.max(max, v)
    }
    return {
      file: path,
      format: 'video',
      dtype: 'uint8',
      sourceShape: [videos.length, source.height, source.width, source.channels],
      layout: `video (${source.pixelFormat})`,
      valueRange: { min, max },
      sequenceCount: videos.length,
      clipShape: { T: resolved.clipLength, H: size.height, W: size.width, C: size.channels },
      // Counting means decoding every video; the import says if none is long enough.
      clipCount: null,
      sampleFramesTHWC,
      sampleShape: [converted.length, size.height, size.width, size.channels],
    }
  },

  async importTo(path, dir, options = {}) {
    const ffmpeg = await requireFfmpeg(path)
    const videos = await listVideos(path)
    return runImport({
      importer: { name: videoImporter.name, version: videoImporter.version },
      source: path,
      dir,
      options: resolveImportOptions(options),
      detected: { ffmpeg: { origin: ffmpeg.origin, version: ffmpeg.version }, crop: options.crop },
      sequenceCount: videos.length,
      async feed(cutter, guard) {
        for (const [index, video] of videos.entries()) {
          await guard.track(video.file)
          cutter.beginSequence(index, video.name, video.file)
          await decodeVideo(ffmpeg, video.file, options, (frame) => {
            cutter.pushFrame(frame)
            return true
          })
        }
      },
    })
  },
}

async function requireFfmpeg(path: string): Promise<FfmpegBinary> {
  const ffmpeg = await locateFfmpeg()
  if (!ffmpeg) {
    throw new DataError(path, 'no ffmpeg found (install ffmpeg, or @ffmpeg-installer/ffmpeg)')
  }
  return ffmpeg
}

async function listVideos(path: string): Promise<VideoSource[]> {
  const info = await stat(path).catch((error: Error) => {
    throw new DataError(path, `cannot read (${error.message})`)
  })
  if (info.isFile()) return [{ file: path, name: path.split(/[\\/]/).pop()! }]
  const files = await findFiles(path, VIDEO_EXTENSIONS)
  if (files.length === 0) throw new DataError(path, 'no video files found')
  return files
    .map((file) => ({
      file,
      name: file
        .slice(path.length)
        .replace(/^[\\/]+/, '')
        .split('\\')
        .join('/'),
    }))
    .sort((a, b) => naturalOrder(a.name, b.name))
}

interface StreamInfo {
  width: number
  height: number
  pixelFormat: string
}

/** Reads the first video stream's size and pixel format from ffmpeg's description of the file. */
async function probeVideo(ffmpeg: FfmpegBinary, file: string): Promise<StreamInfo> {
  // Without an output ffmpeg only describes the input (and exits 1, which is expected here).
  const { stderr } = await runFfmpeg(ffmpeg.path, ['-i', file])
  const match =
    /Stream #.*?Video: [^,]+(?:\([^)]*\))?[^,]*, (\w+)(?:\([^)]*\))?,[^\n]*?(\d{1,5})x(\d{1,5})/.exec(
      stderr,
    )
  if (!match) {
    throw new DataError(file, `ffmpeg finds no video stream (${lastLine(stderr)})`)
  }
  return { pixelFormat: match[1]!, width: Number(match[2]), height: Number(match[3]) }
}

/**
 * Decodes `file` to raw frames, handing each to `onFrame` (which returns false to stop early).
 * Frames are gray when the options or the source say so, else RGB.
 */
async function decodeVideo(
  ffmpeg: FfmpegBinary,
  file: string,
  options: VideoImportOptions,
  onFrame: (frame: Frame) => boolean,
): Promise<StreamInfo & { channels: 1 | 3 }> {
  const info = await probeVideo(ffmpeg, file)
  const channels =
    options.color === 'gray' || (options.color !== 'rgb' && info.pixelFormat.startsWith('gray'))
      ? 1
      : 3
  const filters: string[] = []
  let { width, height } = info
  if (options.crop) {
    const { x, y, width: w, height: h } = options.crop
    filters.push(`crop=${w}:${h}:${x}:${y}`)
    ;({ width, height } = { width: w, height: h })
  }
  if (options.resize) {
    filters.push(`scale=${options.resize.width}:${options.resize.height}:flags=area`)
    ;({ width, height } = options.resize)
  }
  const frameBytes = width * height * channels
  let carry = Buffer.alloc(0)
  let frames = 0
  let stopped = false
  const { code, stderr } = await runFfmpeg(
    ffmpeg.path,
    [
      ...['-v', 'error', '-i', file, '-map', '0:v:0'],
      ...(filters.length ? ['-vf', filters.join(',')] : []),
      ...['-f', 'rawvideo', '-pix_fmt', channels === 1 ? 'gray' : 'rgb24', 'pipe:1'],
    ],
    (chunk) => {
      if (stopped) return false
      let bytes = carry.length ? Buffer.concat([carry, chunk]) : chunk
      while (bytes.length >= frameBytes && !stopped) {
        const data = new Uint8Array(bytes.subarray(0, frameBytes))
        frames++
        stopped = !onFrame({ data, height, width, channels, file })
        bytes = bytes.subarray(frameBytes)
      }
      carry = Buffer.from(bytes)
      return !stopped
    },
  )
  if (!stopped && code !== 0)
    throw new DataError(file, `ffmpeg cannot decode it (${lastLine(stderr)})`)
  if (frames === 0) throw new DataError(file, `ffmpeg decoded no frames (${lastLine(stderr)})`)
  return { ...info, channels }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop()?.trim() || 'no message'
}
