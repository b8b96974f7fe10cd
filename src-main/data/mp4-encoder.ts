import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RgbaImage } from '../media/frame-grid'
import { locateFfmpeg, runFfmpeg } from './importers/ffmpeg'

/**
 * Same-sized RGBA frames as an H.264 MP4 that browsers, players and slide software open:
 * yuv420p (the pixel format they all decode) needs even sides, so an odd side gets one more
 * pixel in the colour of the frame's top-left corner (the exports' background). CRF 18 keeps
 * pixel edges and heat-map colours close to the source. The MP4 muxer seeks back to write its
 * index, so ffmpeg writes a temporary file rather than a pipe.
 */
export async function encodeMp4(frames: RgbaImage[], fps: number): Promise<Uint8Array> {
  const ffmpeg = await locateFfmpeg()
  if (!ffmpeg)
    throw new Error('MP4 export needs ffmpeg (install ffmpeg, or @ffmpeg-installer/ffmpeg)')
  const first = frames[0]
  if (!first) throw new Error('MP4 export: no frames to encode')
  const corner = [...first.data.subarray(0, 3)].map((v) => v.toString(16).padStart(2, '0'))
  const dir = await mkdtemp(join(tmpdir(), 'tmu-mp4-'))
  const out = join(dir, 'video.mp4')
  try {
    const { code, stderr } = await runFfmpeg(
      ffmpeg.path,
      [
        ...['-f', 'rawvideo', '-pix_fmt', 'rgba', '-s', `${first.width}x${first.height}`],
        ...['-framerate', String(fps), '-i', '-'],
        ...[
          '-vf',
          `pad=ceil(iw/2)*2:ceil(ih/2)*2:color=0x${corner.join('')}`,
          '-c:v',
          'libx264',
          '-preset',
          'medium',
        ],
        ...['-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-y', out],
      ],
      undefined,
      frames.map((f) => Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength)),
    )
    if (code !== 0) {
      const reason = stderr.trim().split('\n').slice(-3).join(' ')
      throw new Error(`ffmpeg ${ffmpeg.version} could not encode the MP4: ${reason}`)
    }
    return new Uint8Array(await readFile(out))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
