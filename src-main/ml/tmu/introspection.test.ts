import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { createRng } from '../random'
import { createTrainer } from '../training'
import { inspectClips } from './introspection'
import { createTmuCellFactory } from './tmu-network'
import { requireRecurrentNetwork } from '../forecast-network'

/** Mean |C| of layer 1 at each of the 19 steps of a 5 → 15 rollout by a fresh 2×8 target. */
async function layer1Magnitudes(rescaleMemory: boolean): Promise<number[]> {
  const model = ModelConfig.parse({
    hidden: [8, 8],
    kernelSize: 3,
    patchSize: 4,
    imageHeight: 32,
    imageWidth: 32,
    tmu: { sources: 2, rescaleMemory },
  })
  const trainer = createTrainer(model, TrainConfig.parse({ inputFrames: 5, outputFrames: 15 }), {
    cellFactory: createTmuCellFactory(model),
  })
  const rng = createRng(1)
  // Sparse bright pixels, as digits on black.
  const clip = tf.tensor5d(
    Float32Array.from({ length: 20 * 32 * 32 }, () => (rng.next() > 0.9 ? 1 : 0)),
    [1, 20, 32, 32, 1],
  )
  try {
    const [introspection] = await inspectClips(requireRecurrentNetwork(trainer.network), clip, {
      inputFrames: 5,
    })
    expect(introspection!.memoryMagnitude).toHaveLength(2) // every layer, TMU or not
    return introspection!.memoryMagnitude[0]!
  } finally {
    clip.dispose()
    trainer.dispose()
  }
}

describe('the carried memory magnitude (docs/method.md §3.8)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('grows geometrically on its own guesses unrescaled, and stays of order one rescaled', async () => {
    const carried = await layer1Magnitudes(false)
    const rescaled = await layer1Magnitudes(true)
    expect(carried).toHaveLength(19)
    // Measured: 0.69 at step 1, ~3 at step 5, ~2.5·10³ at step 19; rescaled 0.23 → 0.46.
    for (let t = 1; t < carried.length; t++) expect(carried[t]!).toBeGreaterThan(carried[t - 1]!)
    const lastFive = carried.slice(-5)
    for (let t = 1; t < 5; t++) expect(lastFive[t]! / lastFive[t - 1]!).toBeGreaterThan(1.5)
    expect(carried.at(-1)!).toBeGreaterThan(1000 * carried[0]!)
    expect(Math.max(...rescaled)).toBeLessThan(1)
  })
})
