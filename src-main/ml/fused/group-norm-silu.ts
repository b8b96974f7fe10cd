import * as tf from '@tensorflow/tfjs'
import { hasFusedKernel, registerGradientOnce } from './fused-kernel'

/**
 * GroupNorm(groups, C) and SiLU, the tail of every ConvSC block of SimVP and TAU
 * (docs/method.md §2.10): each sample's channel groups normalised over positions and
 * channels, scaled and shifted per channel, then y = z·σ(z). At the encoder's full grid these
 * are the largest tensors of the model, and as tensor ops the pair is a dozen elementwise
 * passes forward and about thirty backward, each one a pass over memory on one thread; a
 * backend with the fused kernels (onednn) runs one each way.
 */

export const GROUP_NORM_SILU = 'TmuGroupNormSilu'
export const GROUP_NORM_SILU_GRAD = 'TmuGroupNormSiluGrad'

/** PyTorch's default ε of GroupNorm. */
export const GROUP_NORM_EPSILON = 1e-5

export interface GroupNormAttrs {
  readonly groups: number
  readonly epsilon: number
}

/** The pair as tensor ops; x [B, H, W, C], γ and β [C]. */
export function groupNormSiluComposite(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  { groups, epsilon }: GroupNormAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape
    const grouped = tf.reshape(x, [batch, height, width, groups, channels / groups])
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true)
    const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, epsilon)))
    const z = tf.add(tf.mul(tf.reshape(normed, x.shape), gamma), beta)
    return tf.mul(z, tf.sigmoid(z)) as tf.Tensor4D
  })
}

const gradient: tf.GradConfig = {
  kernelName: GROUP_NORM_SILU,
  inputsToSave: ['x', 'gamma', 'beta'],
  // The per-sample, per-group mean and variance the forward pass computed.
  outputsToSave: [false, true, true],
  gradFunc: (dy, saved, attrs) => {
    // Only y is used downstream; mean and variance are outputs for this gradient alone.
    const [dY] = dy as tf.Tensor[]
    const [x, gamma, beta, mean, variance] = saved as tf.Tensor[]
    const [dx, dGamma, dBeta] = tf
      .engine()
      .runKernel(
        GROUP_NORM_SILU_GRAD,
        { x: x!, gamma: gamma!, beta: beta!, mean: mean!, variance: variance!, dy: dY! },
        attrs,
      ) as tf.Tensor[]
    return { x: () => dx!, gamma: () => dGamma!, beta: () => dBeta! }
  },
}

/** Fused where the active backend has the kernel, tensor ops elsewhere. */
export function groupNormSilu(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  attrs: GroupNormAttrs,
): tf.Tensor4D {
  if (!hasFusedKernel(GROUP_NORM_SILU)) return groupNormSiluComposite(x, gamma, beta, attrs)
  registerGradientOnce(gradient)
  // Outputs y, mean and variance: the tape keeps the last two for the gradient, and the
  // caller's tidy frees them with everything else.
  const [y] = tf
    .engine()
    .runKernel(
      GROUP_NORM_SILU,
      { x, gamma, beta },
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor[]
  return y as tf.Tensor4D
}
