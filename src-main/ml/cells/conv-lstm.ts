import * as tf from '@tensorflow/tfjs'
import type { LayerNormWeights, ParamBuilder } from '../params'
import { convLstmGates } from '../fused/conv-lstm-gates'
import { layerNorm } from './layer-norm'
import { zeroLayerState, type LayerSpec, type RecurrentCell } from './recurrent-cell'

/**
 * ConvLSTM step, docs/method.md §2.1; tensors [B, h, w, ch].
 *   [i,f,o,g] = split4( Conv_k×k( concat[X_t, H_{t-1}] ) + b )   (then LN over [C,h,w] if on)
 *   C_t = σ(f)⊙C_{t-1} + σ(i)⊙tanh(g)
 *   H_t = σ(o)⊙tanh(C_t)
 *
 * PyTorch names under `cell_list.<l>.`, as `conv = nn.Sequential(Conv2d(in+hid, 4·hid, k,
 * padding=k//2), LayerNorm([4·hid, h, w]))`: `conv.0.weight`, `conv.0.bias`, and with layer
 * norm `conv.1.weight`, `conv.1.bias`. Gate order along channels: i, f, o, g. The bias stays
 * even under layer norm because the paper's parameter counts include it.
 */

export interface ConvLstmWeights {
  /** [k, k, in + hidden, 4·hidden] */
  readonly kernel: tf.Tensor4D
  /** [4·hidden] */
  readonly bias: tf.Tensor1D
  readonly norm: LayerNormWeights | null
}

export type ConvLstmState = { readonly h: tf.Tensor4D; readonly c: tf.Tensor4D }

export function convLstmStep(
  w: ConvLstmWeights,
  x: tf.Tensor4D,
  prev: ConvLstmState,
): ConvLstmState {
  return tf.tidy(() => {
    const conv = tf.add(tf.conv2d(tf.concat([x, prev.h], -1), w.kernel, 1, 'same'), w.bias)
    const gates = (w.norm ? layerNorm(conv as tf.Tensor4D, w.norm) : conv) as tf.Tensor4D
    return convLstmGates(gates, prev.c)
  })
}

export function createConvLstmWeights(spec: LayerSpec, params: ParamBuilder): ConvLstmWeights {
  const { inChannels, hiddenChannels: hid, kernelSize: k } = spec
  return {
    kernel: params.convWeight('conv.0.weight', k, inChannels + hid, 4 * hid),
    bias: params.convBias('conv.0.bias', (inChannels + hid) * k * k, 4 * hid),
    norm: spec.layerNorm
      ? params.layerNorm('conv.1', [spec.heightPatches, spec.widthPatches, 4 * hid])
      : null,
  }
}

export function createConvLstmCell(spec: LayerSpec, params: ParamBuilder): RecurrentCell {
  const weights = createConvLstmWeights(spec, params)
  const { hiddenChannels } = spec
  return {
    hiddenChannels,
    zigzagChannels: null,
    zeroState: (batch) => zeroLayerState(spec, batch),
    step: (x, prev) => ({ state: convLstmStep(weights, x, prev) }),
  }
}
