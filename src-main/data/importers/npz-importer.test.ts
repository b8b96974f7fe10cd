import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { zipSync, type Zippable } from 'fflate'
import { describe, expect, it } from 'vitest'
import { openFrameStore } from '../frame-store'
import { encodeNpy } from '../npy'
import { listDir, makeClips, makeTempDir } from '../../testing/data-fixtures'
import { npzImporter } from './npz-importer'

const N = 4
const T = 4
const H = 6
const W = 5

/** PredRNN's clips array: clip i reads frames [4i, 4i+2) as input and [4i+2, 4i+4) as output. */
function clipsArray(n = N): Int32Array {
  const out = new Int32Array(2 * n * 2)
  for (let i = 0; i < n; i++) {
    out.set([T * i, 2], i * 2)
    out.set([T * i + 2, 2], (n + i) * 2)
  }
  return out
}

function writeNpz(entries: Zippable, level: 0 | 6): string {
  const parent = makeTempDir()
  const path = join(parent, 'mnist.npz')
  writeFileSync(path, zipSync(entries, { level }))
  return path
}

async function importAll(path: string) {
  const dir = join(path, '..', 'set')
  const manifest = await npzImporter.importTo(path, dir, { split: { kind: 'all', split: 'test' } })
  const store = openFrameStore(dir)
  const frames = await store.readClips('test', [...Array(manifest.clipCount).keys()])
  await store.close()
  return { manifest, frames }
}

describe('PredRNN .npz importer', () => {
  const frames = makeClips(N, T, H, W) // N·T frames of H×W, in clip order

  it('imports float [frames, C, H, W] frames stored uncompressed, frames entry first', async () => {
    const path = writeNpz(
      {
        'input_raw_data.npy': encodeNpy(
          Float32Array.from(frames, (v) => v / 255),
          [N * T, 1, H, W],
        ),
        'clips.npy': encodeNpy(clipsArray(), [2, N, 2]),
        'dims.npy': encodeNpy(Int32Array.from([1, H, W]), [1, 3]),
      },
      0,
    )
    const { manifest, frames: got } = await importAll(path)
    expect(manifest.shape).toEqual({ T, H, W, C: 1 })
    expect(manifest.provenance.options).toMatchObject({ layout: 'FCHW', floatScale: 'unit' })
    expect(got).toEqual(frames)
  })

  it('imports deflated uint8 [frames, H, W, C] with int64 indices', async () => {
    const rgb = makeClips(N, T, H, W, 3)
    const path = writeNpz(
      {
        'clips.npy': encodeNpy(BigInt64Array.from(clipsArray(), BigInt), [2, N, 2]),
        'dims.npy': encodeNpy(BigInt64Array.from([3n, BigInt(H), BigInt(W)]), [1, 3]),
        'input_raw_data.npy': encodeNpy(rgb, [N * T, H, W, 3]),
      },
      6,
    )
    expect((await importAll(path)).frames).toEqual(rgb)
    const preview = await npzImporter.preview(path)
    expect(preview).toMatchObject({ layout: 'FHWC', sequenceCount: N, sampleShape: [T, H, W, 3] })
  })

  it.each([
    [{ 'dims.npy': encodeNpy(Int32Array.from([1, H, W]), [1, 3]) }, 'no clips.npy'],
    [
      {
        'clips.npy': encodeNpy(Int32Array.from([0, 2, 99, 2]), [2, 1, 2]),
        'dims.npy': encodeNpy(Int32Array.from([1, H, W]), [1, 3]),
      },
      'clip 0 spans frames 99+2, but there are 16',
    ],
    [
      {
        'clips.npy': encodeNpy(clipsArray(), [2, N, 2]),
        'dims.npy': encodeNpy(Int32Array.from([1, 9, 9]), [1, 3]),
      },
      'input_raw_data.npy has shape (16, 1, 6, 5), dims says frames are 1×9×9',
    ],
  ])('refuses a malformed archive (%#) and leaves no dataset', async (extra, message) => {
    const path = writeNpz(
      { 'input_raw_data.npy': encodeNpy(frames, [N * T, 1, H, W]), ...extra },
      6,
    )
    await expect(importAll(path)).rejects.toThrow(`mnist.npz: ${message}`)
    expect(listDir(join(path, '..'))).toEqual(['mnist.npz'])
  })

  it('refuses a file that is not a zip archive', async () => {
    const parent = makeTempDir()
    const path = join(parent, 'mnist.npz')
    writeFileSync(path, 'not a zip at all')
    await expect(importAll(path)).rejects.toThrow(/mnist\.npz: not a \.npz/)
  })
})
