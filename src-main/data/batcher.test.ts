import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createBatcher, type Batch } from './batcher'
import { createFrameStoreWriter, openFrameStore } from './frame-store'
import { makeClips, makeTempDir } from '../testing/data-fixtures'

function makeStore(clips: number) {
  const dir = join(makeTempDir(), 'set')
  const writer = createFrameStoreWriter(dir, { T: 2, H: 2, W: 2, C: 1 }, { clipsPerChunk: 3 })
  writer.appendClips(makeClips(clips, 2, 2, 2))
  const train = Array.from({ length: clips }, (_, i) => i)
  writer.finish({
    splits: { train, val: [], test: [] },
    provenance: { importer: { name: 't', version: '1' }, options: {} },
  })
  return openFrameStore(dir)
}

async function take(n: number, next: () => Promise<Batch>) {
  const out: Batch[] = []
  for (let i = 0; i < n; i++) out.push(await next())
  return out
}

describe('createBatcher', () => {
  it('visits every clip once per epoch in a seeded order that changes each epoch', async () => {
    const store = makeStore(10)
    const batcher = createBatcher(store, { split: 'train', batchSize: 3, seed: 5 })
    const batches = await take(6, () => batcher.next())
    // 10 clips, batch 3, drop last: 3 batches per epoch.
    expect(batches.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1, 1])
    const epoch0 = batches.slice(0, 3).flatMap((b) => b.clipIndices)
    const epoch1 = batches.slice(3).flatMap((b) => b.clipIndices)
    expect(new Set(epoch0).size).toBe(9)
    expect(epoch0).not.toEqual(epoch1)
    expect(batches[0]!.shape).toEqual([3, 2, 2, 2, 1])
    // The frames are those of the clips named (clip n starts with value n·31 mod 256).
    expect(batches[0]!.framesBTHWC[8]).toBe((batches[0]!.clipIndices[1]! * 31) % 256)
    await store.close()
  })

  it('resumes from a stored cursor with the same batch sequence', async () => {
    const store = makeStore(10)
    const full = await take(8, createBatcher(store, { split: 'train', batchSize: 4, seed: 1 }).next)
    const first = createBatcher(store, { split: 'train', batchSize: 4, seed: 1 })
    const head = await take(3, () => first.next())
    const saved = JSON.parse(JSON.stringify(first.cursor))
    const resumed = createBatcher(store, { split: 'train', batchSize: 4, cursor: saved })
    const tail = await take(5, () => resumed.next())
    expect([...head, ...tail].map((b) => b.clipIndices)).toEqual(full.map((b) => b.clipIndices))
    expect(tail.map((b) => Array.from(b.framesBTHWC))).toEqual(
      full.slice(3).map((b) => Array.from(b.framesBTHWC)),
    )
    await store.close()
  })

  it('keeps the last short batch when asked, in store order', async () => {
    const store = makeStore(5)
    const batcher = createBatcher(store, {
      split: 'train',
      batchSize: 2,
      shuffle: false,
      dropLast: false,
    })
    const batches = await take(4, () => batcher.next())
    expect(batches.map((b) => b.clipIndices)).toEqual([[0, 1], [2, 3], [4], [0, 1]])
    await store.close()
  })
})
