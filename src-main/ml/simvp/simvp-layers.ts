import * as tf from '@tensorflow/tfjs'

/**
 * The layers SimVP is built of (docs/method.md §2.10), NHWC, from ops every backend runs and
 * differentiates (cpu, wasm, onednn): tfjs-backend-wasm has no gradient for strided or
 * depthwise convolutions, so a stride-2 convolution is a stride-1 one read at every second
 * position, and a depthwise one is a sum of shifted, per-channel-scaled copies of its input.
 * Both compute exactly what PyTorch's layers do, padding included.
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

/** PyTorch's default ε of GroupNorm and BatchNorm2d. */
const NORM_EPSILON = 1e-5

/** Conv2d(padding = pad, stride, dilation 1) + bias, as PyTorch pads: `pad` zeros each side. */
export function conv(x: tf.Tensor4D, w: ConvWeights, pad: number, stride: 1 | 2): tf.Tensor4D {
  return tf.tidy(() => {
    const padded =
      pad > 0
        ? tf.pad(x, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ])
        : x
    const y = tf.add(tf.conv2d(padded, w.kernel, 1, 'valid'), w.bias) as tf.Tensor4D
    if (stride === 1) return y
    // out[y] = Σ_a x_pad[2y + a]: the stride-1 map at even positions, ⌊(H+2p−k)/2⌋+1 rows,
    // picked by a reshape to pairs (tfjs has no gradient for a strided slice).
    const [batch, rows, columns, channels] = y.shape
    const even = tf.pad(y, [
      [0, 0],
      [0, rows % 2],
      [0, columns % 2],
      [0, 0],
    ])
    const outRows = (rows + (rows % 2)) / 2
    const outColumns = (columns + (columns % 2)) / 2
    const pairs = tf.reshape(even, [batch, outRows, 2, outColumns, 2, channels])
    const picked = tf.slice(pairs, [0, 0, 0, 0, 0, 0], [-1, -1, 1, -1, 1, -1])
    return tf.reshape(picked, [batch, outRows, outColumns, channels]) as tf.Tensor4D
  })
}

/**
 * Depthwise Conv2d(groups = C, padding = pad, dilation) + bias; `kernel` [k, k, 1, C] is
 * PyTorch's [C, 1, k, k] in the conv2d layout. out = Σ_{a,b} w[a,b] ⊙ x_pad[y + d·a, x + d·b].
 */
export function depthwiseConv(
  x: tf.Tensor4D,
  w: ConvWeights,
  pad: number,
  dilation: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape
    const [k] = w.kernel.shape
    const outHeight = height + 2 * pad - dilation * (k - 1)
    const outWidth = width + 2 * pad - dilation * (k - 1)
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ])
    const taps = tf.reshape(w.kernel, [k * k, channels]).unstack() as tf.Tensor1D[]
    const terms: tf.Tensor4D[] = []
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < k; b++) {
        const window = tf.slice(
          padded,
          [0, a * dilation, b * dilation, 0],
          [batch, outHeight, outWidth, channels],
        )
        terms.push(tf.mul(window, taps[a * k + b] as tf.Tensor1D))
      }
    }
    return tf.add(tf.addN(terms), w.bias) as tf.Tensor4D
  })
}

/** GroupNorm(groups, C): each sample's channel groups normalised over positions and channels. */
export function groupNorm(x: tf.Tensor4D, groups: number, w: NormWeights): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape
    const grouped = tf.reshape(x, [batch, height, width, groups, channels / groups])
    const { mean, variance } = tf.moments(grouped, [1, 2, 4], true)
    const normed = tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, NORM_EPSILON)))
    return tf.add(tf.mul(tf.reshape(normed, x.shape), w.gamma), w.beta) as tf.Tensor4D
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

/** SiLU(x) = x·σ(x). */
export function silu(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)))
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
