import type { FrameStore, SplitName } from './frame-store'
import { createRng, deriveSeed, shuffleInPlace } from './random'

/**
 * Where a batch sequence stands: enough to resume it exactly. A checkpoint stores the cursor of
 * the next batch; a batcher created with it yields the same batches the original would have.
 */
export interface BatchCursor {
  epoch: number
  /** Position of the next batch's first clip within the epoch's order. */
  position: number
  seed: number
}

export interface Batch {
  /** [B, T, H, W, C] uint8; the trainer converts to float. */
  framesBTHWC: Uint8Array
  shape: [number, number, number, number, number]
  /** Positions within the split of the clips in this batch. */
  clipIndices: number[]
  epoch: number
  /** Resume from here to continue after this batch. */
  next: BatchCursor
}

export interface BatcherOptions {
  split: SplitName
  batchSize: number
  /** Seed of a new sequence; ignored when `cursor` is given (it carries its own). */
  seed?: number
  cursor?: BatchCursor
  /** Off for evaluation: clips in store order. */
  shuffle?: boolean
  /** On (default) every batch is full and an epoch ends early; off, the last one is short. */
  dropLast?: boolean
}

export interface Batcher {
  next(): Promise<Batch>
  /** Cursor of the batch the next `next()` returns. */
  readonly cursor: BatchCursor
}

/**
 * Endless batches of clips from one split, a new seeded order each epoch. The read of batch k+1
 * starts as soon as batch k is handed out, so the trainer's step overlaps the disk reads.
 */
export function createBatcher(store: FrameStore, options: BatcherOptions): Batcher {
  const { split, batchSize, shuffle = true, dropLast = true } = options
  const size = store.splitSize(split)
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batcher: batchSize must be a positive integer, got ${batchSize}`)
  }
  if (size === 0 || (dropLast && size < batchSize)) {
    throw new RangeError(`batcher: split ${split} has ${size} clips, fewer than one batch`)
  }
  const { T, H, W, C } = store.manifest.shape
  let cursor: BatchCursor = options.cursor ?? { epoch: 0, position: 0, seed: options.seed ?? 0 }
  let order: { epoch: number; clips: number[] } | undefined

  function epochOrder(epoch: number): number[] {
    if (order?.epoch !== epoch) {
      const clips = Array.from({ length: size }, (_, i) => i)
      if (shuffle) shuffleInPlace(clips, createRng(deriveSeed(cursor.seed, epoch)))
      order = { epoch, clips }
    }
    return order.clips
  }

  /** The clips at `at` and the cursor after them, rolling into the next epoch when needed. */
  function plan(at: BatchCursor): { at: BatchCursor; clips: number[]; next: BatchCursor } {
    const left = size - at.position
    if (left <= 0 || (dropLast && left < batchSize)) {
      return plan({ ...at, epoch: at.epoch + 1, position: 0 })
    }
    const count = Math.min(batchSize, left)
    const clips = epochOrder(at.epoch).slice(at.position, at.position + count)
    return { at, clips, next: { ...at, position: at.position + count } }
  }

  function load(at: BatchCursor): Promise<Batch> {
    const p = plan(at)
    const batch = store.readClips(split, p.clips).then((framesBTHWC) => ({
      framesBTHWC,
      shape: [p.clips.length, T, H, W, C] as Batch['shape'],
      clipIndices: p.clips,
      epoch: p.at.epoch,
      next: p.next,
    }))
    // Marks a prefetch failure as seen; it is rethrown by the `next()` that awaits it.
    batch.catch(() => undefined)
    return batch
  }

  let pending = load(cursor)
  return {
    get cursor() {
      return cursor
    },
    async next() {
      const batch = await pending
      cursor = batch.next
      pending = load(cursor)
      return batch
    },
  }
}
