import { existsSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createFrameStoreWriter, openFrameStore, type Provenance } from './frame-store'
import { listDir, makeClips, makeTempDir } from '../testing/data-fixtures'

const provenance: Provenance = { importer: { name: 'test', version: '1' }, options: {} }
const shape = { T: 3, H: 4, W: 5, C: 1 }
const clipBytes = 3 * 4 * 5

describe('frame store', () => {
  it('stores clips in chunks and reads any of them back', async () => {
    const dir = join(makeTempDir(), 'set')
    const clips = makeClips(5, 3, 4, 5)
    const writer = createFrameStoreWriter(dir, shape, { clipsPerChunk: 2 })
    writer.appendClips(clips.subarray(0, 3 * clipBytes))
    writer.appendClips(clips.subarray(3 * clipBytes))
    expect(existsSync(dir)).toBe(false)
    const manifest = writer.finish({
      splits: { train: [0, 2, 4], val: [1], test: [3] },
      provenance,
    })
    expect(manifest.chunkFiles).toHaveLength(3)
    expect(manifest.contentSha256).toBe(createHash('sha256').update(clips).digest('hex'))
    expect(listDir(join(dir, '..'))).toEqual(['set'])

    const store = openFrameStore(dir)
    expect(store.splitSize('train')).toBe(3)
    const got = await store.readClips('train', [2, 0])
    expect(got).toEqual(
      Uint8Array.from([...clips.subarray(4 * clipBytes), ...clips.subarray(0, clipBytes)]),
    )
    await store.close()
  })

  it('leaves nothing behind when aborted or when the splits are wrong', () => {
    const parent = makeTempDir()
    const a = createFrameStoreWriter(join(parent, 'a'), shape)
    a.appendClips(makeClips(2, 3, 4, 5))
    a.abort()
    const b = createFrameStoreWriter(join(parent, 'b'), shape)
    b.appendClips(makeClips(2, 3, 4, 5))
    expect(() => b.finish({ splits: { train: [0, 1], val: [1], test: [] }, provenance })).toThrow(
      'clip 1 is in more than one split',
    )
    b.abort()
    const c = createFrameStoreWriter(join(parent, 'c'), shape)
    expect(() => c.finish({ splits: { train: [], val: [], test: [] }, provenance })).toThrow(
      'c: no clips',
    )
    c.abort()
    expect(listDir(parent)).toEqual([])
  })

  it('refuses a chunk whose size does not match the manifest', async () => {
    const dir = join(makeTempDir(), 'set')
    const writer = createFrameStoreWriter(dir, shape)
    writer.appendClips(makeClips(2, 3, 4, 5))
    writer.finish({ splits: { train: [0, 1], val: [], test: [] }, provenance })
    const { truncateSync } = await import('node:fs')
    truncateSync(join(dir, 'chunk-000000.bin'), 10)
    expect(() => openFrameStore(dir)).toThrow(/chunk-000000\.bin: expected 120 bytes, found 10/)
  })
})
