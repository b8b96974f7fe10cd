import * as tf from '@tensorflow/tfjs'
import { depthwiseConv2d } from '../fused/depthwise-conv'

/**
 * The layers SimVP is built of (docs/method.md §2.10), NHWC, computing exactly what PyTorch's
 * layers do, padding included.
 */

export interface ConvWeights {
  /** [k, k, in, out] */
  readonly kernel: tf.Tensor4D
  /** [out] */
  readonly bias: tf.Tensor1D
}

export interface NormWeights {
  /** [C] */
  readonly gamma: tf.Tensor1D
  /** [C] */
  readonly beta: tf.Tensor1D
}

/** PyTorch's default ε of BatchNorm2d. */
const NORM_EPSILON = 1e-5

/**
 * Conv2d(padding = pad, stride, dilation 1) + bias, as PyTorch pads: `pad` zeros each side.
 * Every backend differentiates a strided convolution (wasm through ml/backend/wasm-conv-grad.ts).
 */
export function conv(x: tf.Tensor4D, w: ConvWeights, pad: number, stride: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.conv2d(x, w.kernel, stride, pad), w.bias) as tf.Tensor4D)
}

/**
 * Depthwise Conv2d(groups = C, padding = pad, dilation) + bias; `kernel` [k, k, 1, C] is
 * PyTorch's [C, 1, k, k] in the conv2d layout.
 */
export function depthwiseConv(
  x: tf.Tensor4D,
  w: ConvWeights,
  pad: number,
  dilation: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    // [k, k, 1, C] and tfjs's depthwise [k, k, C, 1] hold the same values in the same order.
    const [k, , , channels] = w.kernel.shape
    const filter = tf.reshape(w.kernel, [k, k, channels, 1]) as tf.Tensor4D
    return tf.add(depthwiseConv2d(x, filter, { pad, dilation }), w.bias) as tf.Tensor4D
  })
}

/** x̂ = (x − μ)/√(σ² + ε)·γ + β with per-channel μ, σ² (a batch's, or running estimates). */
export function normalize(
  x: tf.Tensor4D,
  mean: tf.Tensor,
  variance: tf.Tensor,
  w: NormWeights,
): tf.Tensor4D {
  return tf.tidy(() => {
    const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, NORM_EPSILON)))
    return tf.add(tf.mul(normed, w.gamma), w.beta) as tf.Tensor4D
  })
}

/** PyTorch's exact GELU: x·Φ(x) = x/2·(1 + erf(x/√2)). */
export function gelu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))))
}

/**
 * PixelShuffle(2): [B, H, W, 4C] → [B, 2H, 2W, C] with PyTorch's channel order (channel
 * 4c + 2i + j goes to row 2h + i, column 2w + j of channel c); tfjs's depthToSpace orders
 * them (2i + j)·C + c, which would scramble OpenSTL's weights.
 */
export function pixelShuffle(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape
    const c = channels / 4
    const split = tf.reshape(x, [batch, height, width, c, 2, 2])
    return tf.reshape(tf.transpose(split, [0, 1, 4, 2, 5, 3]), [batch, 2 * height, 2 * width, c])
  })
}
