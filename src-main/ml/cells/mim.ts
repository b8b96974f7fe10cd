import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'
import { createNormedConv, normedConv, type NormedConv } from './normed-conv'
import {
  zeroLayerState,
  type LayerSpec,
  type LayerState,
  type RecurrentCell,
} from './recurrent-cell'
import { createStLstmCell, FORGET_BIAS } from './st-lstm'

/**
 * MIM, Memory In Memory (Wang et al., CVPR 2019), docs/method.md §2.8; tensors [B, h, w, ch].
 * Layer 1 is an ST-LSTM (st-lstm.ts). Every layer l ≥ 2 is a MIM block, whose forget gate is
 * replaced by two recurrent modules, both of this form (σ-gated, with peepholes P):
 *   [i_h,g_h,f_h,o_h] = split4(Conv_h(h))      [i_x,g_x,f_x,o_x] = split4(Conv_x(x))
 *   c' = σ(f_h + f_x + P_f⊙c + 1)⊙c + σ(i_h + i_x + P_i⊙c)⊙tanh(g_h + g_x)
 *   h' = σ(o_h + o_x + P_o⊙c')⊙tanh(c')
 * - MIM-N, the non-stationary module, reads the difference stream D and its own (N, Q):
 *   (N_t, Q_t) = memory(D_t; N_{t−1}, Q_{t−1}); D_t = H^1_t − H^1_{t−1} at layer 2 (0 at the
 *   first step), the N_t of the layer below above it. N_t goes up to the next layer.
 * - MIM-S, the stationary module, reads N_t and the block's previous memory:
 *   (T_t, S_t) = memory(N_t; C_{t−1}, S_{t−1})
 * The block then updates C (with T_t in the forget path) and the zig-zag memory M:
 *   [i_x,g_x,f_x,o_x] = split4(Conv_x(X))  [i_t,g_t,o_t] = split3(Conv_t(H_{t−1}))
 *   [i_s,g_s,f_s,o_s] = split4(Conv_s(M^{l−1}))
 *   C_t = T_t + σ(i_x + i_t)⊙tanh(g_x + g_t)
 *   M_t = σ(f_x + f_s + 1)⊙M^{l−1} + σ(i_x + i_s)⊙tanh(g_x + g_s)
 *   H_t = σ(o_x + o_t + o_s)⊙tanh(Conv_1×1(concat[C_t, M_t]))
 * Convolutions are bias-free, each followed by LN when `layerNorm` is on.
 *
 * PyTorch names as OpenSTL's MIM_Model: the block under `stlstm_layer.<l>.` (`conv_t_cc`,
 * `conv_s_cc`, `conv_x_cc`, MIM-S's `conv_h_concat`, `conv_x_concat`, `ct_weight` [2C, h, w]
 * for P_i, P_f and `oc_weight` [C, h, w] for P_o, `conv_last`), layer l's MIM-N under
 * `stlstm_layer_diff.<l−1>.` (`conv_h_concat`, `conv_x_concat`, `ct_weight`, `oc_weight`, and
 * a `conv_last` it never applies, kept so their state_dicts load). Peepholes start at zero.
 */

/** State keys of a MIM block beside h and c. */
const KEYS = {
  /** MIM-S's memory S. */
  stationary: 's',
  /** MIM-N's hidden N and memory Q. */
  nonStationaryHidden: 'n',
  nonStationaryMemory: 'q',
  /** Layer 2 only: its input H^1 at the previous step, and 1 once a step has run (else 0). */
  previousInput: 'xPrev',
  started: 'started',
} as const

interface MemoryModule {
  /** On the module's own hidden input: [k, k, C, 4C], gates i, g, f, o. */
  readonly convH: NormedConv
  /** On its input stream: [k, k, C, 4C], gates i, g, f, o. */
  readonly convX: NormedConv
  /** P_i and P_f, [h, w, 2C]. */
  readonly cellPeephole: tf.Tensor3D
  /** P_o, [h, w, C]. */
  readonly outputPeephole: tf.Tensor3D
}

function createMemoryModule(spec: LayerSpec, params: ParamBuilder): MemoryModule {
  const hid = spec.hiddenChannels
  const grid: [number, number] = [spec.heightPatches, spec.widthPatches]
  return {
    convH: createNormedConv(spec, params, 'conv_h_concat', hid, 4 * hid),
    convX: createNormedConv(spec, params, 'conv_x_concat', hid, 4 * hid),
    cellPeephole: params.peephole('ct_weight', [...grid, 2 * hid]),
    outputPeephole: params.peephole('oc_weight', [...grid, hid]),
  }
}

/** One step of MIM-N or MIM-S: (h', c') from the input stream x, the hidden h and memory c. */
export function memoryModuleStep(
  w: MemoryModule,
  x: tf.Tensor4D,
  h: tf.Tensor4D,
  c: tf.Tensor4D,
): { h: tf.Tensor4D; c: tf.Tensor4D } {
  const [ih, gh, fh, oh] = tf.split(normedConv(w.convH, h), 4, -1) as tf.Tensor4D[]
  const [ix, gx, fx, ox] = tf.split(normedConv(w.convX, x), 4, -1) as tf.Tensor4D[]
  const [pi, pf] = tf.split(tf.mul(tf.concat([c, c], -1), w.cellPeephole), 2, -1)
  const input = tf.sigmoid(tf.addN([ih!, ix!, pi!]))
  const forget = tf.sigmoid(tf.add(tf.addN([fh!, fx!, pf!]), FORGET_BIAS))
  const next = tf.add(tf.mul(forget, c), tf.mul(input, tf.tanh(tf.add(gh!, gx!)))) as tf.Tensor4D
  const out = tf.sigmoid(tf.addN([oh!, ox!, tf.mul(next, w.outputPeephole)]))
  return { h: tf.mul(out, tf.tanh(next)) as tf.Tensor4D, c: next }
}

interface MimBlockWeights {
  /** On H^l_{t−1}: [k, k, C, 3C], gates i, g, o. */
  readonly convT: NormedConv
  /** On M^{l−1}: [k, k, C, 4C], gates i, g, f, o. */
  readonly convS: NormedConv
  /** On the input X: [k, k, C, 4C], gates i, g, f, o. */
  readonly convX: NormedConv
  readonly stationary: MemoryModule
  readonly nonStationary: MemoryModule
  /** [1, 1, 2C, C] */
  readonly convLast: tf.Tensor4D
}

function createMimBlockWeights(
  spec: LayerSpec,
  params: ParamBuilder,
  root: ParamBuilder,
): MimBlockWeights {
  const hid = spec.hiddenChannels
  const conv = (name: string, outCh: number) => createNormedConv(spec, params, name, hid, outCh)
  const weights = {
    convT: conv('conv_t_cc', 3 * hid),
    convS: conv('conv_s_cc', 4 * hid),
    convX: conv('conv_x_cc', 4 * hid),
    stationary: createMemoryModule(spec, params),
    convLast: params.convWeight('conv_last.weight', 1, 2 * hid, hid),
  }
  const diff = root.scoped(`stlstm_layer_diff.${spec.index - 1}.`)
  const nonStationary = createMemoryModule(spec, diff)
  // OpenSTL's MIMN builds a 1×1 conv_last its forward never applies; held for their names.
  diff.convWeight('conv_last.weight', 1, 2 * hid, hid)
  return { ...weights, nonStationary }
}

function createMimBlock(spec: LayerSpec, params: ParamBuilder, root: ParamBuilder): RecurrentCell {
  if (spec.inChannels !== spec.hiddenChannels) {
    throw new Error(`mim layer ${spec.index + 1}: needs the width of the layer below`)
  }
  const w = createMimBlockWeights(spec, params, root)
  const layer2 = spec.index === 1
  return {
    hiddenChannels: spec.hiddenChannels,
    zigzagChannels: spec.hiddenChannels,
    zeroState(batch) {
      const rest = zeroLayerState(spec, batch)
      const zeros = () => tf.zerosLike(rest.c)
      return {
        ...rest,
        [KEYS.stationary]: zeros(),
        [KEYS.nonStationaryHidden]: zeros(),
        [KEYS.nonStationaryMemory]: zeros(),
        ...(layer2
          ? { [KEYS.previousInput]: zeros(), [KEYS.started]: tf.zeros([1, 1, 1, 1]) }
          : {}),
      }
    },
    step(x, prev, zigzag, fromBelow) {
      if (!zigzag) throw new Error(`mim layer ${spec.index + 1}: needs the zig-zag memory M`)
      return tf.tidy(() => {
        const difference = layer2
          ? tf.mul(tf.sub(x, prev[KEYS.previousInput]!), prev[KEYS.started]!)
          : fromBelow
        if (!difference)
          throw new Error(`mim layer ${spec.index + 1}: nothing handed up from below`)
        const n = memoryModuleStep(
          w.nonStationary,
          difference as tf.Tensor4D,
          prev[KEYS.nonStationaryHidden]!,
          prev[KEYS.nonStationaryMemory]!,
        )
        const t = memoryModuleStep(w.stationary, n.h, prev.c, prev[KEYS.stationary]!)
        const [ix, gx, fx, ox] = tf.split(normedConv(w.convX, x), 4, -1) as tf.Tensor4D[]
        const [it, gt, ot] = tf.split(normedConv(w.convT, prev.h), 3, -1) as tf.Tensor4D[]
        const [is, gs, fs, os] = tf.split(normedConv(w.convS, zigzag), 4, -1) as tf.Tensor4D[]
        const c = tf.add(
          t.h,
          tf.mul(tf.sigmoid(tf.add(ix!, it!)), tf.tanh(tf.add(gx!, gt!))),
        ) as tf.Tensor4D
        const m = tf.add(
          tf.mul(tf.sigmoid(tf.add(tf.add(fx!, fs!), FORGET_BIAS)), zigzag),
          tf.mul(tf.sigmoid(tf.add(ix!, is!)), tf.tanh(tf.add(gx!, gs!))),
        ) as tf.Tensor4D
        const out = tf.sigmoid(tf.addN([ox!, ot!, os!]))
        const h = tf.mul(
          out,
          tf.tanh(tf.conv2d(tf.concat([c, m], -1), w.convLast, 1, 'same')),
        ) as tf.Tensor4D
        const state: LayerState = {
          h,
          c,
          [KEYS.stationary]: t.c,
          [KEYS.nonStationaryHidden]: n.h,
          [KEYS.nonStationaryMemory]: n.c,
          ...(layer2
            ? { [KEYS.previousInput]: x, [KEYS.started]: tf.onesLike(prev[KEYS.started]!) }
            : {}),
        }
        return { state, zigzag: m, upward: n.h }
      })
    },
  }
}

/** Layer 1 an ST-LSTM, every layer above a MIM block. */
export function createMimCell(
  spec: LayerSpec,
  params: ParamBuilder,
  root: ParamBuilder,
): RecurrentCell {
  return spec.index === 0 ? createStLstmCell(spec, params) : createMimBlock(spec, params, root)
}
