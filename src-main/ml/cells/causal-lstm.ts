import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'
import { createNormedConv, normedConv, type NormedConv } from './normed-conv'
import { zeroLayerState, type LayerSpec, type RecurrentCell } from './recurrent-cell'
import { FORGET_BIAS } from './st-lstm'

/**
 * Causal LSTM step (PredRNN++, Wang et al. 2018, eq. 3), docs/method.md §2.6; tensors [B, h, w, ch].
 * The temporal memory C is updated first and the spatiotemporal memory M reads the new C
 * ("cascaded"), unlike ST-LSTM's side-by-side updates:
 *   [i_x,f_x,g_x,i'_x,f'_x,g'_x,o_x] = split7(Conv(X_t))
 *   [i_h,f_h,g_h,o_h] = split4(Conv(H_{t-1}))   [i_c,f_c,g_c] = split3(Conv(C_{t-1}))
 *   [i_m,f_m,m_m] = split3(Conv(M^{l-1}_t))
 *   C_t = σ(f_x+f_h+f_c+1)⊙C_{t-1} + σ(i_x+i_h+i_c)⊙tanh(g_x+g_h+g_c)
 *   [i'_c,g'_c,f'_c,o_c] = split4(Conv_c2m(C_t))
 *   M_t = σ(f'_x+f_m+f'_c+1)⊙tanh(m_m) + σ(i'_x+i_m+i'_c)⊙tanh(g'_x+g'_c)
 *   o   = tanh(o_x + o_h + o_c + Conv_om(M_t))
 *   H_t = o ⊙ tanh(Conv_1×1(concat[C_t, M_t]))
 * The output gate is a tanh, as in the paper and OpenSTL (ST-LSTM's is a σ). With layer norm,
 * every k×k convolution is followed by LN over [C, h, w]. Tensor ops only: no fused kernel yet.
 *
 * PyTorch names under `cell_list.<l>.`, as OpenSTL's `CausalLSTMCell` (all convolutions
 * without bias, each k×k one an `nn.Sequential(conv[, LayerNorm])`): `conv_x.0.weight`,
 * `conv_h.0.weight`, `conv_c.0.weight`, `conv_m.0.weight`, `conv_o.0.weight`,
 * `conv_c2m.0.weight`, `conv_om.0.weight` (with layer norm `<name>.1.weight`/`.bias`) and the
 * 1×1 `conv_last.weight`. OpenSTL builds `conv_o` ([C, M] → hidden) but its forward never
 * applies it; it is kept, unused and without gradient, so their checkpoints load name for
 * name and the parameter count is theirs (docs/method.md §2.6).
 */

export interface CausalLstmWeights {
  /** [k, k, in, 7·hidden] */
  readonly convX: NormedConv
  /** [k, k, hidden, 4·hidden] */
  readonly convH: NormedConv
  /** [k, k, hidden, 3·hidden] */
  readonly convC: NormedConv
  /** [k, k, hidden, 3·hidden] */
  readonly convM: NormedConv
  /** [k, k, 2·hidden, hidden]: held for OpenSTL's state_dict, never applied. */
  readonly convO: NormedConv
  /** [k, k, hidden, 4·hidden] */
  readonly convC2m: NormedConv
  /** [k, k, hidden, hidden] */
  readonly convOm: NormedConv
  /** [1, 1, 2·hidden, hidden] */
  readonly convLast: tf.Tensor4D
}

export type CausalLstmState = { readonly h: tf.Tensor4D; readonly c: tf.Tensor4D }

export interface CausalLstmStep {
  readonly state: CausalLstmState
  /** M_t, handed to the next layer (or to layer 1 at t+1). */
  readonly m: tf.Tensor4D
}

const split = (x: tf.Tensor4D, parts: number) => tf.split(x, parts, -1) as tf.Tensor4D[]

export function causalLstmStep(
  w: CausalLstmWeights,
  x: tf.Tensor4D,
  prev: CausalLstmState,
  mBelow: tf.Tensor4D,
): CausalLstmStep {
  return tf.tidy(() => {
    const [ix, fx, gx, ixp, fxp, gxp, ox] = split(normedConv(w.convX, x), 7)
    const [ih, fh, gh, oh] = split(normedConv(w.convH, prev.h), 4)
    const [ic, fc, gc] = split(normedConv(w.convC, prev.c), 3)
    const [im, fm, mm] = split(normedConv(w.convM, mBelow), 3)
    const c = tf.add(
      tf.mul(tf.sigmoid(tf.add(tf.addN([fx!, fh!, fc!]), FORGET_BIAS)), prev.c),
      tf.mul(tf.sigmoid(tf.addN([ix!, ih!, ic!])), tf.tanh(tf.addN([gx!, gh!, gc!]))),
    ) as tf.Tensor4D
    const [icp, gcp, fcp, oc] = split(normedConv(w.convC2m, c), 4)
    const m = tf.add(
      tf.mul(tf.sigmoid(tf.add(tf.addN([fxp!, fm!, fcp!]), FORGET_BIAS)), tf.tanh(mm!)),
      tf.mul(tf.sigmoid(tf.addN([ixp!, im!, icp!])), tf.tanh(tf.add(gxp!, gcp!))),
    ) as tf.Tensor4D
    const o = tf.tanh(tf.addN([ox!, oh!, oc!, normedConv(w.convOm, m)]))
    const cellConv = tf.conv2d(tf.concat([c, m], -1), w.convLast, 1, 'same')
    const h = tf.mul(o, tf.tanh(cellConv)) as tf.Tensor4D
    return { state: { h, c }, m }
  })
}

export function createCausalLstmWeights(spec: LayerSpec, params: ParamBuilder): CausalLstmWeights {
  const { inChannels, hiddenChannels: hid } = spec
  const conv = (name: string, inCh: number, outCh: number) =>
    createNormedConv(spec, params, name, inCh, outCh)
  // OpenSTL's creation order, so a seeded network and its state_dict list the same sequence.
  return {
    convX: conv('conv_x', inChannels, 7 * hid),
    convH: conv('conv_h', hid, 4 * hid),
    convC: conv('conv_c', hid, 3 * hid),
    convM: conv('conv_m', hid, 3 * hid),
    convO: conv('conv_o', 2 * hid, hid),
    convC2m: conv('conv_c2m', hid, 4 * hid),
    convOm: conv('conv_om', hid, hid),
    convLast: params.convWeight('conv_last.weight', 1, 2 * hid, hid),
  }
}

export function createCausalLstmCell(spec: LayerSpec, params: ParamBuilder): RecurrentCell {
  const weights = createCausalLstmWeights(spec, params)
  const { hiddenChannels } = spec
  return {
    hiddenChannels,
    // M enters conv_m, whose input width is this layer's hidden size.
    zigzagChannels: hiddenChannels,
    zeroState: (batch) => zeroLayerState(spec, batch),
    step(x, prev, zigzag) {
      if (!zigzag) throw new Error(`causal-lstm layer ${spec.index}: needs the zig-zag memory M`)
      const { state, m } = causalLstmStep(weights, x, prev, zigzag)
      return { state, zigzag: m }
    },
  }
}
