import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listDir, makeTempDir } from '../../testing/data-fixtures'
import { locateFfmpeg } from './ffmpeg'
import { videoImporter } from './video-importer'

const ffmpeg = await locateFfmpeg()
const NO_FFMPEG =
  'no ffmpeg: install the system package (apt-get install ffmpeg) or @ffmpeg-installer/ffmpeg'

/** A 3 s, 10 fps (30 frames) 64×48 test pattern, encoded as MPEG-4 in AVI (every build has both). */
function makeVideo(dir: string, name = 'person01_boxing_d1.avi'): string {
  const path = join(dir, name)
  const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc=duration=3:size=64x48:rate=10']
  const result = spawnSync(ffmpeg!.path, [...args, '-c:v', 'mpeg4', '-q:v', '3', path])
  if (result.status !== 0) throw new Error(`ffmpeg could not make a test video: ${result.stderr}`)
  return path
}

describe('video importer', () => {
  it('imports every frame of a video made by ffmpeg, gray, cropped and resized', async (ctx) => {
    if (!ffmpeg) return ctx.skip(NO_FFMPEG)
    const parent = makeTempDir()
    const video = makeVideo(parent)
    const preview = await videoImporter.preview(video, { clipLength: 10 })
    expect(preview.sourceShape).toEqual([1, 48, 64, 3])
    const manifest = await videoImporter.importTo(video, join(parent, 'set'), {
      clipLength: 5,
      frameStride: 2,
      color: 'gray',
      crop: { x: 8, y: 0, width: 48, height: 48 },
      resize: { height: 32, width: 32 },
      split: { kind: 'all', split: 'train' },
    })
    // 30 frames, every 2nd kept = 15, clips of 5 → 3.
    expect(manifest.clipCount).toBe(3)
    expect(manifest.shape).toEqual({ T: 5, H: 32, W: 32, C: 1 })
  })

  it('imports a folder of videos, splitting by file name', async (ctx) => {
    if (!ffmpeg) return ctx.skip(NO_FFMPEG)
    const parent = makeTempDir()
    makeVideo(parent, 'person01_boxing_d1.avi')
    makeVideo(parent, 'person17_boxing_d1.avi')
    const manifest = await videoImporter.importTo(parent, join(makeTempDir(), 'set'), {
      clipLength: 30,
      split: { kind: 'pattern', train: 'person(0[1-9]|1[0-6])_', test: 'person(1[7-9]|2[0-5])_' },
    })
    expect(manifest.splits).toEqual({ train: [0], val: [], test: [1] })
    expect(manifest.shape).toEqual({ T: 30, H: 48, W: 64, C: 3 })
  })

  it('refuses a file ffmpeg cannot decode and leaves no dataset', async (ctx) => {
    if (!ffmpeg) return ctx.skip(NO_FFMPEG)
    const parent = makeTempDir()
    const path = join(parent, 'broken.mp4')
    writeFileSync(path, Buffer.alloc(4096, 7))
    await expect(videoImporter.importTo(path, join(parent, 'set'))).rejects.toThrow(
      /broken\.mp4: ffmpeg/,
    )
    expect(listDir(parent)).toEqual(['broken.mp4'])
  })
})
