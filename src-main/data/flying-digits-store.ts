import { createFrameStoreWriter, type FrameStoreManifest, type Splits } from './frame-store'
import {
  generateFlyingDigitClips,
  resolveFlyingDigitsOptions,
  type FlyingDigitsOptions,
} from './flying-digits'
import { deriveSeed } from './random'

export interface FlyingDigitsStoreOptions extends Omit<
  FlyingDigitsOptions,
  'clipCount' | 'digitPool'
> {
  trainClips: number
  valClips?: number
  testClips: number
}

/**
 * A Flying Digits dataset as a frame store: train and val clips from the train digit pool, test
 * clips from the test pool, each split with its own seed derived from `seed`. Clips stream to
 * disk, so memory stays at one chunk whatever the size.
 */
export function createFlyingDigitsStore(
  dir: string,
  options: FlyingDigitsStoreOptions,
): FrameStoreManifest {
  const { trainClips, valClips = 0, testClips, seed = 0, ...common } = options
  const parts = [
    { split: 'train', digitPool: 'train', clipCount: trainClips },
    { split: 'val', digitPool: 'train', clipCount: valClips },
    { split: 'test', digitPool: 'test', clipCount: testClips },
  ] as const
  const specs = parts
    .filter((p) => p.clipCount > 0)
    .map((p, i) => ({
      split: p.split,
      spec: resolveFlyingDigitsOptions({ ...common, ...p, seed: deriveSeed(seed, i) }),
    }))
  const first = specs[0]?.spec
  if (!first) throw new RangeError('flying digits: no clips requested')
  const writer = createFrameStoreWriter(dir, {
    T: first.clipLength,
    H: first.canvasSize,
    W: first.canvasSize,
    C: 1,
  })
  const splits: Splits = { train: [], val: [], test: [] }
  try {
    for (const { split, spec } of specs) {
      for (const clip of generateFlyingDigitClips(spec)) {
        writer.appendClips(clip.framesTHWC)
        splits[split].push(writer.clipCount - 1)
      }
    }
    return writer.finish({
      splits,
      provenance: {
        importer: { name: 'flying-digits', version: '1' },
        options: { seed, splits: specs.map(({ split, spec }) => ({ split, ...spec })) },
      },
    })
  } catch (error) {
    writer.abort()
    throw error
  }
}
