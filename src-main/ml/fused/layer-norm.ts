import * as tf from '@tensorflow/tfjs'
import { pairwiseMean } from '../pairwise-sum'
import { hasFusedKernel, registerGradientOnce } from './fused-kernel'

/**
 * Layer normalisation of each sample over all its values, with an elementwise gain and
 * shift (cells/layer-norm.ts says which PyTorch layer this is). As tensor ops it is moments,
 * a subtraction, a division, a product and a sum, and three times as many ops backwards; a
 * backend with the fused kernels (onednn: oneDNN's layer normalisation) runs one each way.
 */

export const LAYER_NORM = 'TmuLayerNorm'
export const LAYER_NORM_GRAD = 'TmuLayerNormGrad'

/**
 * y = (x − mean) / √(var + ε) ⊙ γ + β per sample; x [B, ...], γ and β x's shape without B.
 * Two passes, each summed pairwise: the mean, then the variance of the centred values.
 * `tf.moments` is two-pass too but reduces with one float32 accumulator on wasm, which over
 * a 16×16×64 sample put y 6e-6 (offset samples: 2e-4) from float64, 50× cpu's error.
 */
export function layerNormComposite(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  return tf.tidy(() => {
    const axes = x.shape.slice(1).map((_, i) => i + 1)
    const perSample = [x.shape[0]!, ...axes.map(() => 1)]
    const centred = tf.sub(x, pairwiseMean(x, axes).reshape(perSample))
    const variance = pairwiseMean(tf.square(centred), axes).reshape(perSample)
    const normalised = tf.div(centred, tf.sqrt(tf.add(variance, epsilon)))
    return tf.add(tf.mul(normalised, gamma), beta)
  })
}

const gradient: tf.GradConfig = {
  kernelName: LAYER_NORM,
  inputsToSave: ['x', 'gamma', 'beta'],
  // The per-sample mean and variance the forward pass computed.
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    // Only y is used downstream; mean and variance are outputs for this gradient alone.
    const [dY] = dy as tf.Tensor[]
    const [x, gamma, beta, mean, variance] = saved as tf.Tensor[]
    const [dx, dGamma, dBeta] = tf
      .engine()
      .runKernel(
        LAYER_NORM_GRAD,
        { x: x!, gamma: gamma!, beta: beta!, mean: mean!, variance: variance!, dy: dY! },
        attrs,
      ) as tf.Tensor[]
    return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! }
  },
}

export function layerNormalise<T extends tf.Tensor>(
  x: T,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  epsilon: number,
): T {
  if (!hasFusedKernel(LAYER_NORM)) return layerNormComposite(x, gamma, beta, epsilon) as T
  registerGradientOnce(gradient)
  // Outputs y, mean and variance: the tape keeps the last two for the gradient, and the
  // caller's tidy frees them with everything else.
  const [y] = tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { epsilon }) as tf.Tensor[]
  return y as T
}
