import * as tf from '@tensorflow/tfjs'
import { mauReductionSteps } from '../../domain/model'
import type { ParamBuilder } from '../params'

/**
 * MAU's encoder and decoder around its cells (docs/method.md §2.9), OpenSTL's MAU_Model in
 * the `normal` model mode; tensors [B, h, w, ch]. With n = log2(srSize):
 *   E_0 = lrelu(Conv_1×1(x) + b)                          patched frame → hidden_1 channels
 *   E_i = lrelu(Conv_3×3,stride 2,pad 1(E_{i−1}) + b)     i = 1 … n: the grid halves n times
 *   D_i = ConvT_3×3,stride 2,pad 1,out-pad 1(D_{i−1}) + b, lrelu on all but the last, D_0 = S^K
 *   x̂ = Conv_1×1(D_n) + b                                 the next patched frame
 * lrelu has slope 0.2. PyTorch names: `encoders.0.encoder_t_conv-1`, `encoders.<i>.encoder_t<i−1>`,
 * `decoders.<i>.c_decoder<i>` (ConvTranspose2d: PyTorch [in, out, 3, 3], tfjs [3, 3, out, in],
 * the conv2d transpose both ways), `srcnn.0`; each `.weight` and `.bias`. OpenSTL's MAU_Model
 * also builds `merge` and `conv_last_sr`, which its forward never applies; held for their names.
 */

const LEAKY_SLOPE = 0.2

interface BiasedKernel {
  readonly kernel: tf.Tensor4D
  readonly bias: tf.Tensor1D
}

/** How a network's layers meet frames; the other backbones' is network.ts's conv_last head. */
export interface FrameCodec {
  /** Patched frame [B, h, w, p·p·C] → S for layer 1 [B, h/sr, w/sr, hidden_1]. */
  encode(x: tf.Tensor4D): tf.Tensor4D
  /** The top layer's S [B, h/sr, w/sr, hidden_K] → the guess of the next patched frame. */
  decode(top: tf.Tensor4D): tf.Tensor4D
}

export interface MauCodecGeometry {
  readonly frameChannels: number
  readonly bottomChannels: number
  readonly topChannels: number
  readonly srSize: number
}

/** `name.weight` [k, k, in, out] and `name.bias` with PyTorch's fan-in bounds. */
function biasedKernel(
  params: ParamBuilder,
  name: string,
  k: number,
  inChannels: number,
  outChannels: number,
): BiasedKernel {
  return {
    kernel: params.convWeight(`${name}.weight`, k, inChannels, outChannels),
    bias: params.convBias(`${name}.bias`, inChannels * k * k, outChannels),
  }
}

export function createMauCodec(g: MauCodecGeometry, params: ParamBuilder): FrameCodec {
  const n = mauReductionSteps(g.srSize)
  const encoders = [
    biasedKernel(params, 'encoders.0.encoder_t_conv-1', 1, g.frameChannels, g.bottomChannels),
  ]
  for (let i = 0; i < n; i++) {
    const name = `encoders.${i + 1}.encoder_t${i}`
    encoders.push(biasedKernel(params, name, 3, g.bottomChannels, g.bottomChannels))
  }
  // PyTorch's ConvTranspose2d weight is [in, out, k, k] with fan-in out·k², which is what a
  // [k, k, out, in] conv weight draws: the tfjs conv2dTranspose filter layout.
  const decoders = Array.from({ length: n }, (_, i) =>
    biasedKernel(params, `decoders.${i}.c_decoder${i}`, 3, g.topChannels, g.topChannels),
  )
  const head = biasedKernel(params, 'srcnn.0', 1, g.topChannels, g.frameChannels)
  biasedKernel(params, 'merge', 1, 2 * g.topChannels, g.topChannels)
  biasedKernel(params, 'conv_last_sr', 1, 2 * g.frameChannels, g.frameChannels)

  return {
    encode: (x) =>
      tf.tidy(() => {
        let feature = x
        encoders.forEach((w, i) => {
          const conv = tf.conv2d(feature, w.kernel, i === 0 ? 1 : 2, i === 0 ? 'valid' : 1)
          feature = tf.leakyRelu(tf.add<tf.Tensor4D>(conv, w.bias), LEAKY_SLOPE)
        })
        return feature
      }),
    decode: (top) =>
      tf.tidy(() => {
        let feature = top
        decoders.forEach((w, i) => {
          const [batch, h, wd] = feature.shape
          const shape: [number, number, number, number] = [batch, 2 * h, 2 * wd, g.topChannels]
          const up: tf.Tensor4D = tf.add<tf.Tensor4D>(
            tf.conv2dTranspose(feature, w.kernel, shape, 2, 1),
            w.bias,
          )
          feature = i < n - 1 ? tf.leakyRelu(up, LEAKY_SLOPE) : up
        })
        return tf.add(tf.conv2d(feature, head.kernel, 1, 'valid'), head.bias)
      }),
  }
}
