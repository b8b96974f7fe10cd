import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openFrameStore } from '../frame-store'
import { encodeNpy, encodeNpyHeader } from '../npy'
import { listDir, makeClips, makeTempDir } from '../../testing/data-fixtures'
import { npyImporter, type NpyImportOptions } from './npy-importer'

const all = { split: { kind: 'all', split: 'train' } } as const

/** Imports `bytes` as a .npy and returns every stored clip in store order. */
async function roundTrip(bytes: Uint8Array, options: NpyImportOptions = {}) {
  const parent = makeTempDir()
  const path = join(parent, 'clips.npy')
  writeFileSync(path, bytes)
  const manifest = await npyImporter.importTo(path, join(parent, 'set'), { ...all, ...options })
  const store = openFrameStore(join(parent, 'set'))
  const frames = await store.readClips('train', [...manifest.splits.train.keys()])
  await store.close()
  return { manifest, frames }
}

/** [N,T,H,W,C] → another axis order, for writing fixtures in each layout. */
function permute(src: Uint8Array, dims: number[], order: number[]): Uint8Array {
  const out = new Uint8Array(src.length)
  const outDims = order.map((a) => dims[a]!)
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((p, d) => p * d, 1))
  const index = new Array<number>(dims.length).fill(0)
  for (let o = 0; o < src.length; o++) {
    let rest = o
    for (let k = outDims.length - 1; k >= 0; k--) {
      index[order[k]!] = rest % outDims[k]!
      rest = Math.floor(rest / outDims[k]!)
    }
    out[o] = src[index.reduce((s, v, i) => s + v * strides[i]!, 0)] as number
  }
  return out
}

describe('npy importer', () => {
  const gray = makeClips(6, 4, 8, 8)
  const rgb = makeClips(3, 4, 5, 6, 3)

  it('imports the published Moving MNIST layout (T×N×H×W)', async () => {
    const file = encodeNpy(permute(gray, [6, 4, 8, 8], [1, 0, 2, 3]), [4, 6, 8, 8])
    const { manifest, frames } = await roundTrip(file)
    expect(manifest.shape).toEqual({ T: 4, H: 8, W: 8, C: 1 })
    expect(manifest.provenance.options).toMatchObject({ layout: 'TNHW' })
    expect(frames).toEqual(gray)
  })

  it('imports N×T×H×W floats in [0, 1] and in [0, 255]', async () => {
    const unit = Float32Array.from(gray, (v) => v / 255)
    expect((await roundTrip(encodeNpy(unit, [6, 4, 8, 8]))).frames).toEqual(gray)
    const bytes = Float64Array.from(gray)
    const { manifest, frames } = await roundTrip(encodeNpy(bytes, [6, 4, 8, 8]), { layout: 'NTHW' })
    expect(manifest.provenance.options).toMatchObject({ floatScale: 'byte' })
    expect(frames).toEqual(gray)
  })

  it('imports channels-last and channels-first 5-D arrays', async () => {
    expect((await roundTrip(encodeNpy(rgb, [3, 4, 5, 6, 3]))).frames).toEqual(rgb)
    const chw = permute(rgb, [3, 4, 5, 6, 3], [0, 1, 4, 2, 3])
    const { manifest, frames } = await roundTrip(encodeNpy(chw, [3, 4, 3, 5, 6]))
    expect(manifest.provenance.options).toMatchObject({ layout: 'NTCHW' })
    expect(frames).toEqual(rgb)
  })

  it('imports a single clip, [T, H, W] or [T, H, W, C], as one sequence', async () => {
    const one = gray.subarray(0, 4 * 8 * 8)
    const plain = await roundTrip(encodeNpy(one, [4, 8, 8]))
    expect(plain.manifest.provenance.options).toMatchObject({ layout: 'THW' })
    expect(plain.frames).toEqual(one)
    const colour = rgb.subarray(0, 4 * 5 * 6 * 3)
    const channels = await roundTrip(encodeNpy(colour, [4, 5, 6, 3]))
    expect(channels.manifest).toMatchObject({
      shape: { T: 4, H: 5, W: 6, C: 3 },
      provenance: { options: { layout: 'THWC' } },
    })
    expect(channels.frames).toEqual(colour)
  })

  it('cuts clips, resizes, converts to gray and splits by ratio', async () => {
    const long = makeClips(10, 6, 8, 8, 3)
    const { manifest, frames } = await roundTrip(encodeNpy(long, [10, 6, 8, 8, 3]), {
      clipLength: 3,
      resize: { height: 4, width: 4 },
      color: 'gray',
      split: { kind: 'ratio', train: 0.6, val: 0.2, test: 0.2, seed: 3 },
    })
    expect(manifest.shape).toEqual({ T: 3, H: 4, W: 4, C: 1 })
    expect(manifest.clipCount).toBe(20)
    // Whole sequences go to one split: both clips of a sequence share it.
    expect(manifest.splits.train).toHaveLength(12)
    for (const split of Object.values(manifest.splits)) {
      for (const i of split) expect(split).toContain(i % 2 === 0 ? i + 1 : i - 1)
    }
    expect(frames).toHaveLength(12 * 3 * 16)
  })

  it('previews shape, layout, range and the first frames without importing', async () => {
    const parent = makeTempDir()
    const path = join(parent, 'clips.npy')
    writeFileSync(path, encodeNpy(permute(gray, [6, 4, 8, 8], [1, 0, 2, 3]), [4, 6, 8, 8]))
    const preview = await npyImporter.preview(path)
    expect(preview).toMatchObject({
      dtype: 'uint8',
      sourceShape: [4, 6, 8, 8],
      layout: 'TNHW',
      sequenceCount: 6,
      clipShape: { T: 4, H: 8, W: 8, C: 1 },
      sampleShape: [4, 8, 8, 1],
    })
    expect(preview.sampleFramesTHWC).toEqual(gray.subarray(0, 4 * 64))
    expect(listDir(parent)).toEqual(['clips.npy'])
  })

  it.each([
    [
      'a 2-D array',
      encodeNpy(gray, [192, 8]),
      'expected a clip (3-D or 4-D) or an array of clips (4-D or 5-D), got 2-D',
    ],
    [
      'zero clips',
      encodeNpy(new Uint8Array(0), [0, 4, 8, 8]),
      'holds no clips or empty frames: shape (0, 4, 8, 8)',
    ],
    [
      'an integer dtype',
      encodeNpy(new Int32Array(16), [1, 2, 2, 4]),
      'dtype int32 cannot hold frames',
    ],
    ['a truncated file', encodeNpy(gray, [6, 4, 8, 8]).subarray(0, 500), 'truncated: shape needs'],
    [
      'an oversized header',
      encodeNpyHeader('uint8', [6, 4, 8, 8]).subarray(0, 40),
      'truncated .npy header',
    ],
    [
      'NaN',
      encodeNpy(
        Float32Array.from(gray, (v, i) => (i === 300 ? NaN : v / 255)),
        [6, 4, 8, 8],
      ),
      'non-finite value NaN',
    ],
    [
      'Inf in a declared [0,1] file',
      encodeNpy(
        Float32Array.from(gray, (v, i) => (i === 300 ? Infinity : v / 255)),
        [6, 4, 8, 8],
      ),
      'non-finite value Infinity at clip 1, frame 0',
    ],
    ['too few frames', encodeNpy(gray, [6, 4, 8, 8]), 'no clips: no sequence has 9 frames'],
  ])('refuses %s, naming the file, and leaves no dataset', async (_, bytes, message) => {
    const parent = makeTempDir()
    const path = join(parent, 'bad.npy')
    writeFileSync(path, bytes)
    const options = message.includes('Infinity')
      ? { floatScale: 'unit' as const }
      : { clipLength: message.includes('9 frames') ? 9 : 4 }
    await expect(npyImporter.importTo(path, join(parent, 'set'), options)).rejects.toThrow(
      `bad.npy: ${message}`,
    )
    expect(listDir(parent)).toEqual(['bad.npy'])
  })
  it('previews what the import stores, and refuses a layout guess that gives no clip the same way', async () => {
    // The reported case: float [10, 20, H, W] is guessed time-first (10 frames × 20 clips).
    const parent = makeTempDir()
    const path = join(parent, 'clips.npy')
    writeFileSync(
      path,
      encodeNpy(
        Float32Array.from(makeClips(10, 20, 8, 8), (v) => v / 255),
        [10, 20, 8, 8],
      ),
    )

    const guessed = await npyImporter.preview(path, all)
    expect(guessed).toMatchObject({ layout: 'TNHW', clipCount: 20, clipShape: { T: 10 } })
    expect(guessed.sampleShape[0]).toBe(10)
    expect(guessed.layoutAlternatives).toEqual([
      { layout: 'NTHW', sequenceCount: 10, framesPerSequence: 20, clipCount: 10 },
    ])
    const stored = await npyImporter.importTo(path, join(parent, 'guessed'), all)
    expect(stored.clipCount).toBe(guessed.clipCount)

    const refusal =
      /no clips: no sequence has 20 frames \(read as TNHW, each of the 20 sequences has 10\); as NTHW gives 10 sequences of 20 frames, 10 clips/
    await expect(npyImporter.preview(path, { ...all, clipLength: 20 })).rejects.toThrow(refusal)
    await expect(
      npyImporter.importTo(path, join(parent, 'refused'), { ...all, clipLength: 20 }),
    ).rejects.toThrow(refusal)
    expect(listDir(parent)).toEqual(['clips.npy', 'guessed'])

    const chosen = await npyImporter.preview(path, {
      ...all,
      clipLength: 20,
      layout: 'NTHW',
      clipStride: 5,
    })
    // 20 frames, clips of 20 every 5: one per sequence; the sample is that whole clip.
    expect(chosen).toMatchObject({ clipCount: 10, sampleShape: [20, 8, 8, 1] })
    const imported = await npyImporter.importTo(path, join(parent, 'chosen'), {
      ...all,
      clipLength: 20,
      layout: 'NTHW',
      clipStride: 5,
    })
    expect(imported.clipCount).toBe(chosen.clipCount)
  })
})
