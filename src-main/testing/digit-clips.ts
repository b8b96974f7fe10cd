import * as tf from '@tensorflow/tfjs'
import { generateFlyingDigits } from '../data/flying-digits'

/**
 * Flying Digits clips [B, T, 32, 32, 1] in [0, 1] (14-pixel digits), the same on every
 * backend: what the backend parity tests feed a network.
 */
export function digitClips(clipCount: number, seed: number, clipLength: number): tf.Tensor5D {
  const digits = generateFlyingDigits({
    clipCount,
    canvasSize: 32,
    digitSize: 14,
    clipLength,
    seed,
  })
  return tf.tidy(() => tf.div(tf.tensor5d(digits.framesNTHWC, digits.shape, 'int32'), 255))
}
