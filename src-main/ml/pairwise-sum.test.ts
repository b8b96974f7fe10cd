import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from './backend'
import { pairwiseMean, pairwiseSum } from './pairwise-sum'
import { createRng } from './random'

/** A loss-sized batch: 311 040 = 8 clips × 19 steps × 16 × 16 × 8 values in [0, 1). */
const COUNT = 311_040

function uniformValues(seed: number): Float32Array {
  const rng = createRng(seed)
  return Float32Array.from({ length: COUNT }, () => rng.next())
}

const prediction = uniformValues(1)
const truth = uniformValues(2)

/** mean((a − b)²) with each square rounded as float32 computes it, summed in float64. */
function float64Mse(): number {
  let sum = 0
  for (let i = 0; i < COUNT; i++) {
    const d = Math.fround(prediction[i]! - truth[i]!)
    sum += Math.fround(d * d)
  }
  return sum / COUNT
}

function relativeError(mean: (x: tf.Tensor) => tf.Tensor): number {
  const want = float64Mse()
  const got = tf.tidy(() =>
    mean(tf.squaredDifference(tf.tensor1d(prediction), tf.tensor1d(truth))).dataSync(),
  )[0]!
  return Math.abs(got - want) / want
}

describe('pairwiseSum', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('takes the float32 drift out of a 311 040-value mean on wasm', async () => {
    await initBackend('wasm')
    const before = tf.memory().numTensors
    const sequential = relativeError((x) => tf.mean(x))
    const pairwise = relativeError((x) => pairwiseMean(x))
    expect(tf.memory().numTensors).toBe(before)
    // Measured: 1.0e-4 with tf.mean (one float32 accumulator), 3e-8 pairwise.
    expect(sequential).toBeGreaterThan(1e-5)
    expect(pairwise).toBeLessThan(1e-6)
  })

  it('sums over any axes as tf.sum does, with the same gradient', async () => {
    await initBackend('cpu')
    tf.tidy(() => {
      const x = tf.randomUniform([3, 70, 5, 130], -1, 1, 'float32', 7)
      for (const axes of [undefined, [1, 3], [0, 2], [-1], [0, 1, 2, 3]]) {
        const want = tf.sum(x, axes)
        const got = pairwiseSum(x, axes)
        expect(got.shape).toEqual(want.shape)
        const error = tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!
        expect(error, `axes ${axes}`).toBeLessThan(1e-3)
      }
      const r = tf.randomUniform([3, 5], -1, 1, 'float32', 8)
      const grad = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(pairwiseSum(a, [1, 3]), r)))(x)
      const want = tf.broadcastTo(r.reshape([3, 1, 5, 1]), x.shape)
      expect(grad.arraySync()).toEqual(want.arraySync())
    })
  })

  it('keeps a mean of a scalar and of few values exact', async () => {
    await initBackend('cpu')
    tf.tidy(() => {
      expect(pairwiseMean(tf.scalar(3)).dataSync()[0]).toBe(3)
      expect(Array.from(pairwiseMean(tf.tensor2d([1, 2, 3, 4], [2, 2]), [1]).dataSync())).toEqual([
        1.5, 3.5,
      ])
    })
  })
})
