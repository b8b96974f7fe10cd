import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { openFrameStore } from '../frame-store'
import { listDir, makeTempDir } from '../../testing/data-fixtures'
import { folderImporter } from './folder-importer'

/** A gray PNG whose pixels all equal `value`. */
function png(value: number, width = 8, height = 6): Buffer {
  const image = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false })
  image.data = Buffer.alloc(width * height, value)
  return PNG.sync.write(image, { colorType: 0, inputColorType: 0, inputHasAlpha: false })
}

/** A KTH-like tree: person01…person04 × one action, `frames` PNGs each (value = person·10 + t). */
function makeKthTree(frames = 5): string {
  const root = join(makeTempDir(), 'kth')
  for (let person = 1; person <= 4; person++) {
    const folder = join(root, `person0${person}_walking_d1`)
    mkdirSync(folder, { recursive: true })
    // Unpadded names: natural order must put frame 2 before frame 10.
    for (let t = 0; t < frames; t++)
      writeFileSync(join(folder, `${t * 4}.png`), png(person * 10 + t))
  }
  return root
}

describe('frame folder importer', () => {
  it('imports one sequence per folder, splits by name pattern, cuts clips in frame order', async () => {
    const root = makeKthTree(5)
    const dir = join(root, '..', 'set')
    const manifest = await folderImporter.importTo(root, dir, {
      clipLength: 2,
      clipStride: 3,
      split: { kind: 'pattern', train: 'person0[1-3]_', test: 'person04_' },
    })
    // 5 frames, clips of 2 every 3 frames: frames (0,1) and (3,4) of each person.
    expect(manifest.shape).toEqual({ T: 2, H: 6, W: 8, C: 1 })
    expect(manifest.splits).toEqual({ train: [0, 1, 2, 3, 4, 5], val: [], test: [6, 7] })
    const store = openFrameStore(dir)
    const test = await store.readClips('test', [0, 1])
    expect([0, 48, 96, 144].map((i) => test[i])).toEqual([40, 41, 43, 44])
    await store.close()
  })

  it('decodes JPEG color frames and resizes them', async () => {
    const root = join(makeTempDir(), 'clips')
    mkdirSync(join(root, 'a'), { recursive: true })
    for (let t = 0; t < 3; t++) {
      const data = Buffer.alloc(16 * 16 * 4)
      for (let p = 0; p < 256; p++) data.set([200, 40 * t, 10, 255], p * 4)
      writeFileSync(
        join(root, 'a', `f${t}.jpg`),
        jpeg.encode({ data, width: 16, height: 16 }, 95).data,
      )
    }
    const preview = await folderImporter.preview(root, {
      clipLength: 3,
      resize: { height: 8, width: 8 },
    })
    expect(preview.sampleShape).toEqual([3, 8, 8, 3])
    expect(Math.abs(preview.sampleFramesTHWC[0]! - 200)).toBeLessThan(6)
    const manifest = await folderImporter.importTo(root, join(root, '..', 'set'), {
      clipLength: 3,
      resize: { height: 8, width: 8 },
      split: { kind: 'all', split: 'train' },
    })
    expect(manifest.shape).toEqual({ T: 3, H: 8, W: 8, C: 3 })
  })

  it('refuses frames of mixed sizes and unreadable images, leaving no dataset', async () => {
    const root = makeKthTree(3)
    writeFileSync(join(root, 'person02_walking_d1', '99.png'), png(1, 9, 6))
    await expect(
      folderImporter.importTo(root, join(root, '..', 'set'), { clipLength: 2 }),
    ).rejects.toThrow('99.png: frame is 6×9, the first was 6×8 (set a resize to mix sizes)')
    writeFileSync(join(root, 'person02_walking_d1', '99.png'), 'not a png')
    await expect(
      folderImporter.importTo(root, join(root, '..', 'set'), { clipLength: 2 }),
    ).rejects.toThrow(/99\.png: unreadable image/)
    expect(listDir(join(root, '..'))).toEqual(['kth'])
  })

  it('refuses a sequence that matches no split pattern', async () => {
    const root = makeKthTree(2)
    const options = { clipLength: 2, split: { kind: 'pattern', train: 'person0[1-3]' } } as const
    await expect(folderImporter.importTo(root, join(root, '..', 'set'), options)).rejects.toThrow(
      "sequence 'person04_walking_d1' matches no split pattern",
    )
  })
})
