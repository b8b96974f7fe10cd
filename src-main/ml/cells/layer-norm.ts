import type * as tf from '@tensorflow/tfjs'
import { layerNormalise } from '../fused/layer-norm'
import type { LayerNormWeights } from '../params'

/** PyTorch's `nn.LayerNorm` default ε, so normalised values match the release. */
export const LAYER_NORM_EPSILON = 1e-5

/**
 * Layer normalisation over [channels, height, width] of each sample, as PyTorch's
 * `LayerNorm([C, h, w])` (biased variance, elementwise gain and shift), on NHWC tensors.
 *   y = (x − mean) / √(var + ε) ⊙ γ + β;  x [B, h, w, C], γ, β [h, w, C]
 */
export function layerNorm(x: tf.Tensor4D, w: LayerNormWeights): tf.Tensor4D {
  return layerNormalise(x, w.gammaHWC, w.betaHWC, LAYER_NORM_EPSILON)
}
