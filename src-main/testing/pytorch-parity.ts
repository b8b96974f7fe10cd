import * as tf from '@tensorflow/tfjs'
import { toPytorchLayout } from '../ml/checkpoint/pytorch-interchange'
import type { Tensor } from '../ml/checkpoint/tensors'
import type { PredictiveNetwork } from '../ml/network'
import type { ParamEntry } from '../ml/params'
import { tensorMapFromNamed } from '../ml/tensor-map'

/**
 * What the forward-parity tests of whole networks share: weights redrawn so every path
 * weighs in, and the network's weights and clips in the JSON the reference scripts read.
 */

/** A tensor as the reference scripts read it: shape and flat values. */
export const plainTensor = (t: Tensor | tf.Tensor) => ({
  shape: t.shape,
  data: Array.from(t instanceof tf.Tensor ? t.dataSync() : t.data),
})

/**
 * Redraws every parameter: at PyTorch's initial bounds a small network's guesses are ~1e-5
 * (too small to tell a wrong gate from a right one) and PredRNN++'s GHU at U(±0.001) stays
 * nearly shut; wider kernels and norms off 1 and 0 make every path weigh in.
 */
export function redrawForParity(net: PredictiveNetwork): void {
  const range = ({ name, layout }: ParamEntry): [number, number] => {
    if (layout === 'layerNorm') return name.endsWith('weight') ? [0.5, 1.5] : [-0.5, 0.5]
    return [-0.3, 0.3]
  }
  tf.tidy(() => {
    net.params.entries().forEach((e, k) => {
      e.variable.assign(tf.randomUniform(e.variable.shape, ...range(e), 'float32', k))
    })
  })
}

/** The network's weights by PyTorch name, in PyTorch layouts, as plain tensors. */
export async function pytorchWeights(
  net: PredictiveNetwork,
): Promise<Record<string, ReturnType<typeof plainTensor>>> {
  const layouts = Object.fromEntries(net.params.entries().map((e) => [e.name, e.layout]))
  const named = net.params.getWeights()
  const weights = toPytorchLayout(await tensorMapFromNamed(named), { layouts })
  tf.dispose(Object.values(named))
  return Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, plainTensor(t)]))
}
