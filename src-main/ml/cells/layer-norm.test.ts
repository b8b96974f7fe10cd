import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { LAYER_NORM_EPSILON, layerNorm } from './layer-norm'

describe('layerNorm', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('normalises each sample over [h, w, C] with the biased variance, then applies γ and β', () => {
    const before = tf.memory().numTensors
    tf.tidy(() => {
      const x = tf.tensor4d([1, 2, 3, 4, 10, 10, 10, 14], [2, 1, 2, 2])
      const gammaHWC = tf.tensor3d([1, 2, 1, 1], [1, 2, 2])
      const betaHWC = tf.tensor3d([0, 0, 0, 5], [1, 2, 2])
      const y = layerNorm(x, { gammaHWC, betaHWC }).dataSync()
      // Sample 0: mean 2.5, biased variance 1.25.
      const s0 = Math.sqrt(1.25 + LAYER_NORM_EPSILON)
      expect(y[0]).toBeCloseTo(-1.5 / s0, 5)
      expect(y[1]).toBeCloseTo((2 * -0.5) / s0, 5)
      expect(y[3]).toBeCloseTo(1.5 / s0 + 5, 5)
      // Sample 1: mean 11, biased variance 3.
      expect(y[7]).toBeCloseTo(3 / Math.sqrt(3 + LAYER_NORM_EPSILON) + 5, 5)
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})
