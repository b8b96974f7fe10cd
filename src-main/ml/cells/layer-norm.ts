import * as tf from '@tensorflow/tfjs'
import type { LayerNormWeights } from '../params'

/** PyTorch's `nn.LayerNorm` default ε, so normalised values match the release. */
export const LAYER_NORM_EPSILON = 1e-5

/**
 * Layer normalisation over [channels, height, width] of each sample, as PyTorch's
 * `LayerNorm([C, h, w])` (biased variance, elementwise gain and shift), on NHWC tensors.
 *   y = (x − mean) / √(var + ε) ⊙ γ + β;  x [B, h, w, C], γ, β [h, w, C]
 */
export function layerNorm(x: tf.Tensor4D, w: LayerNormWeights): tf.Tensor4D {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [1, 2, 3], true)
    const normalised = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON)))
    return tf.add(tf.mul(normalised, w.gammaHWC), w.betaHWC)
  })
}
