import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'
import { lstmOutput, stLstmMemories, type StLstmGateInputs } from '../fused/st-lstm-pointwise'
import { createNormedConv, normedConv, type NormedConv } from './normed-conv'
import { zeroLayerState, type LayerSpec, type RecurrentCell } from './recurrent-cell'

/**
 * Spatiotemporal LSTM step (PredRNN), docs/method.md §2.2; tensors [B, h, w, ch].
 *   [i_x,f_x,g_x,i'_x,f'_x,g'_x,o_x] = split7(Conv(X_t))
 *   [i_h,f_h,g_h,o_h] = split4(Conv(H_{t-1}))      [i_m,f_m,g_m] = split3(Conv(M^{l-1}_t))
 *   C_t = σ(f_x+f_h+1)⊙C_{t-1} + σ(i_x+i_h)⊙tanh(g_x+g_h)
 *   M_t = σ(f'_x+f_m+1)⊙M^{l-1}_t + σ(i'_x+i_m)⊙tanh(g'_x+g_m)
 *   o   = σ(o_x + o_h + Conv_o(concat[C_t, M_t]))
 *   H_t = o ⊙ tanh(Conv_1×1(concat[C_t, M_t]))
 * With layer norm, each of Conv(X), Conv(H), Conv(M), Conv_o is followed by LN over [C,h,w].
 * The pointwise arithmetic is in ml/fused/st-lstm-pointwise.ts (fused on onednn).
 *
 * PyTorch names under `cell_list.<l>.`, as thuml/predrnn-pytorch's SpatioTemporalLSTMCell
 * (all convolutions without bias, each k×k one an `nn.Sequential(conv[, LayerNorm])`):
 * `conv_x.0.weight`, `conv_h.0.weight`, `conv_m.0.weight`, `conv_o.0.weight`, with layer norm
 * `conv_x.1.weight`/`.bias` etc., and the 1×1 `conv_last.weight`.
 */

/** The +1 added to both forget gates (the release's `_forget_bias`), so memories persist early in training. */
export const FORGET_BIAS = 1

export interface StLstmWeights {
  /** [k, k, in, 7·hidden] */
  readonly convX: NormedConv
  /** [k, k, hidden, 4·hidden] */
  readonly convH: NormedConv
  /** [k, k, hidden, 3·hidden] */
  readonly convM: NormedConv
  /** [k, k, 2·hidden, hidden] */
  readonly convO: NormedConv
  /** [1, 1, 2·hidden, hidden] */
  readonly convLast: tf.Tensor4D
}

export type StLstmState = { readonly h: tf.Tensor4D; readonly c: tf.Tensor4D }

// A type, not an interface, so tf.tidy accepts it as a tensor container.
export type StLstmStep = {
  readonly state: StLstmState
  /** M_t, handed to the next layer (or to layer 1 at t+1). */
  readonly m: tf.Tensor4D
}

export function stLstmStep(
  w: StLstmWeights,
  x: tf.Tensor4D,
  prev: StLstmState,
  mBelow: tf.Tensor4D,
): StLstmStep {
  return tf.tidy(() => stLstmUpdate(w, stLstmGates(w, x, prev, mBelow)))
}

/** The three gate convolutions' outputs and the memories they update (PredRNN-V2 reads them too). */
export function stLstmGates(
  w: StLstmWeights,
  x: tf.Tensor4D,
  prev: StLstmState,
  mBelow: tf.Tensor4D,
): StLstmGateInputs {
  return {
    xGates: normedConv(w.convX, x),
    hGates: normedConv(w.convH, prev.h),
    mGates: normedConv(w.convM, mBelow),
    cPrev: prev.c,
    mPrev: mBelow,
  }
}

/** C_t, M_t and H_t from the gates; call inside a tidy. */
export function stLstmUpdate(w: StLstmWeights, gates: StLstmGateInputs): StLstmStep {
  const { c, m, oPartial } = stLstmMemories(gates, FORGET_BIAS)
  const cm = tf.concat([c, m], -1)
  const h = lstmOutput(oPartial, normedConv(w.convO, cm), tf.conv2d(cm, w.convLast, 1, 'same'))
  return { state: { h, c }, m }
}

export function createStLstmWeights(spec: LayerSpec, params: ParamBuilder): StLstmWeights {
  const { inChannels, hiddenChannels: hid } = spec
  const conv = (name: string, inCh: number, outCh: number) =>
    createNormedConv(spec, params, name, inCh, outCh)
  return {
    convX: conv('conv_x', inChannels, 7 * hid),
    convH: conv('conv_h', hid, 4 * hid),
    convM: conv('conv_m', hid, 3 * hid),
    convO: conv('conv_o', 2 * hid, hid),
    convLast: params.convWeight('conv_last.weight', 1, 2 * hid, hid),
  }
}

export function createStLstmCell(spec: LayerSpec, params: ParamBuilder): RecurrentCell {
  const weights = createStLstmWeights(spec, params)
  const { hiddenChannels } = spec
  return {
    hiddenChannels,
    // M enters conv_m, whose input width is this layer's hidden size.
    zigzagChannels: hiddenChannels,
    zeroState: (batch) => zeroLayerState(spec, batch),
    step(x, prev, zigzag) {
      if (!zigzag) throw new Error(`st-lstm layer ${spec.index}: needs the zig-zag memory M`)
      const { state, m } = stLstmStep(weights, x, prev, zigzag)
      return { state, zigzag: m }
    },
  }
}
