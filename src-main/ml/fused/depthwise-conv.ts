import * as tf from '@tensorflow/tfjs'
import { hasFusedKernel, registerGradientOnce } from './fused-kernel'

/**
 * A depthwise convolution, dilated or not, at stride 1 with PyTorch's symmetric zero padding:
 *   out[y, x, c] = Σ_{a,b} w[a, b, c]·x_pad[y + d·a, x + d·b, c]
 *
 * SimVP's gSTA and TAU's attention convolve every channel on its own (5×5, and 7×7 dilated
 * by 3). tfjs computes no gradient of a dilated depthwise convolution, its cpu backend's
 * depthwise gradients ignore dilation, and the wasm backend has none at all; so the composite
 * below spells the convolution out as shifted, scaled copies of the input, 74 slices and
 * products per gSTA block, which cost SimVP ten times PyTorch's iteration on CPU. A backend
 * that registers DEPTHWISE_CONV (onednn, as a grouped oneDNN convolution) runs one kernel per
 * pass, and promises that its DepthwiseConv2dNativeBackprop{Input,Filter} kernels honour
 * dilation: the gradient runs those.
 */

export const DEPTHWISE_CONV = 'TmuDepthwiseConv'

export interface DepthwiseConvAttrs {
  /** Zeros on each side. */
  readonly pad: number
  readonly dilation: number
}

/** Attributes in the form tfjs's depthwise kernels read. */
export function depthwiseKernelAttrs(a: DepthwiseConvAttrs) {
  return {
    strides: [1, 1] as [number, number],
    pad: a.pad,
    dilations: [a.dilation, a.dilation] as [number, number],
    dataFormat: 'NHWC' as const,
  }
}

/** The convolution as tensor ops every backend runs and differentiates; `filter` [k, k, C, 1]. */
export function depthwiseConvComposite(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  { pad, dilation }: DepthwiseConvAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = x.shape
    const [k] = filter.shape
    const outHeight = height + 2 * pad - dilation * (k - 1)
    const outWidth = width + 2 * pad - dilation * (k - 1)
    const padded = tf.pad(x, [
      [0, 0],
      [pad, pad],
      [pad, pad],
      [0, 0],
    ])
    const taps = tf.reshape(filter, [k * k, channels]).unstack() as tf.Tensor1D[]
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
    return tf.addN(terms)
  })
}

const gradient: tf.GradConfig = {
  kernelName: DEPTHWISE_CONV,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D]
    const common = depthwiseKernelAttrs(attrs as unknown as DepthwiseConvAttrs)
    const run = (kernel: string, inputs: tf.NamedTensorMap, extra: tf.NamedAttrMap) =>
      tf.engine().runKernel(kernel, inputs, { ...common, ...extra }) as tf.Tensor
    return {
      x: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropInput,
          { dy: dy as tf.Tensor, filter },
          { inputShape: x.shape },
        ),
      filter: () =>
        run(
          tf.DepthwiseConv2dNativeBackpropFilter,
          { x, dy: dy as tf.Tensor },
          { filterShape: filter.shape },
        ),
    }
  },
}

/** One kernel where the active backend has it, the composite elsewhere; `filter` [k, k, C, 1]. */
export function depthwiseConv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseConvAttrs,
): tf.Tensor4D {
  if (!hasFusedKernel(DEPTHWISE_CONV)) return depthwiseConvComposite(x, filter, attrs)
  registerGradientOnce(gradient)
  return tf
    .engine()
    .runKernel(DEPTHWISE_CONV, { x, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D
}
