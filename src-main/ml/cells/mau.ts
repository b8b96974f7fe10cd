import * as tf from '@tensorflow/tfjs'
import type { LayerNormWeights, ParamBuilder } from '../params'
import { layerNorm } from './layer-norm'
import type { LayerSpec, LayerState, RecurrentCell } from './recurrent-cell'
import { slideWindow } from './sliding-window'

/**
 * MAU, the Motion-Aware Unit (Chang et al., NeurIPS 2021), docs/method.md §2.9; tensors
 * [B, h, w, ch] on the grid the encoder reduced (cells/mau-codec.ts). A layer reads the
 * spatial state S from below (the encoded frame at layer 1) and carries its temporal state T,
 * with the last τ of its S inputs and T outputs (oldest first):
 *   S' = LN(Conv_s'(S))        T' = LN(Conv_t'(T_{t−1}))
 *   α_j = softmax_j( ⟨S_{t−j}, S'⟩ / √(C·h·w) ),  j = 1 … τ     (one weight per sample)
 *   T_att = Σ_j α_j T_{t−j}                                       (the motion trend)
 *   U = σ(T');  T_AMI = U ⊙ T_{t−1} + (1 − U) ⊙ T_att
 *   [t_g, t_t, t_s] = split3(LN(Conv_t(T_AMI)))   [s_g, s_t, s_s] = split3(LN(Conv_s(S)))
 *   T_t = σ(t_g) ⊙ t_t + (1 − σ(t_g)) ⊙ s_t
 *   S_t = σ(s_g) ⊙ s_s + (1 − σ(s_g)) ⊙ t_s                       (handed up as H)
 * Every convolution has a bias and a layer norm over [C, h, w], whatever `layerNorm` says, as
 * OpenSTL's MAUCell builds them; the paper's `normal` cell mode (no residual S).
 *
 * PyTorch names as OpenSTL's MAU_Model under `cell_list.<l>.`: `conv_t`, `conv_t_next`,
 * `conv_s`, `conv_s_next`, each `.0` (Conv2d) and `.1` (LayerNorm).
 */

/** State keys beside h (S_t) and c (T_t, the memory a TMU target reads). */
const KEYS = {
  /** The last τ T outputs, [B, h, w, τ·C], oldest first. */
  temporalWindow: 'tWindow',
  /** The last τ S inputs, [B, h, w, τ·C], oldest first. */
  spatialWindow: 'sWindow',
} as const

interface NormedBiasedConv {
  readonly kernel: tf.Tensor4D
  readonly bias: tf.Tensor1D
  readonly norm: LayerNormWeights
}

interface MauWeights {
  readonly convT: NormedBiasedConv
  readonly convTNext: NormedBiasedConv
  readonly convS: NormedBiasedConv
  readonly convSNext: NormedBiasedConv
}

function createConv(
  spec: LayerSpec,
  params: ParamBuilder,
  name: string,
  outChannels: number,
): NormedBiasedConv {
  const { kernelSize: k, hiddenChannels: hid } = spec
  return {
    kernel: params.convWeight(`${name}.0.weight`, k, hid, outChannels),
    bias: params.convBias(`${name}.0.bias`, hid * k * k, outChannels),
    norm: params.layerNorm(`${name}.1`, [spec.heightPatches, spec.widthPatches, outChannels]),
  }
}

function applyConv(w: NormedBiasedConv, x: tf.Tensor4D): tf.Tensor4D {
  return layerNorm(tf.add(tf.conv2d(x, w.kernel, 1, 'same'), w.bias), w.norm)
}

/** The attention-weighted trend of the past T_{t−j}, weighted by how alike S_{t−j} and S' are. */
function motionTrend(
  temporalWindow: tf.Tensor4D,
  spatialWindow: tf.Tensor4D,
  sNext: tf.Tensor4D,
  tau: number,
): tf.Tensor4D {
  const [batch, h, w, channels] = sNext.shape
  const perSlot = [batch, h, w, tau, channels]
  const similarity = tf.sum(
    tf.mul(tf.reshape(spatialWindow, perSlot), tf.reshape(sNext, [batch, h, w, 1, channels])),
    [1, 2, 4],
  )
  const alpha = tf.softmax(tf.div(similarity, Math.sqrt(h * w * channels)))
  const weighted = tf.mul(
    tf.reshape(temporalWindow, perSlot),
    tf.reshape(alpha, [batch, 1, 1, tau, 1]),
  )
  return tf.sum(weighted, 3) as tf.Tensor4D
}

/** (1 − g) ⊙ b + g ⊙ a, with g = σ(gate). */
function gatedMix(gate: tf.Tensor4D, a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  const g = tf.sigmoid(gate)
  return tf.add(tf.mul(g, a), tf.mul(tf.sub(1, g), b))
}

export function createMauCell(spec: LayerSpec, params: ParamBuilder, tau: number): RecurrentCell {
  const hid = spec.hiddenChannels
  if (spec.inChannels !== hid) {
    throw new Error(`mau layer ${spec.index + 1}: needs the width of the layer below`)
  }
  const w: MauWeights = {
    convT: createConv(spec, params, 'conv_t', 3 * hid),
    convTNext: createConv(spec, params, 'conv_t_next', hid),
    convS: createConv(spec, params, 'conv_s', 3 * hid),
    convSNext: createConv(spec, params, 'conv_s_next', hid),
  }
  const grid = [spec.heightPatches, spec.widthPatches] as const
  return {
    hiddenChannels: hid,
    zigzagChannels: null,
    zeroState(batch) {
      return {
        h: tf.zeros([batch, ...grid, hid]),
        c: tf.zeros([batch, ...grid, hid]),
        [KEYS.temporalWindow]: tf.zeros([batch, ...grid, tau * hid]),
        [KEYS.spatialWindow]: tf.zeros([batch, ...grid, tau * hid]),
      }
    },
    step(s, prev) {
      return tf.tidy(() => {
        const temporalWindow = prev[KEYS.temporalWindow]!
        const spatialWindow = prev[KEYS.spatialWindow]!
        const trend = motionTrend(temporalWindow, spatialWindow, applyConv(w.convSNext, s), tau)
        const fused = gatedMix(applyConv(w.convTNext, prev.c), prev.c, trend)
        const [tg, tt, ts] = tf.split(applyConv(w.convT, fused), 3, -1) as tf.Tensor4D[]
        const [sg, st, ss] = tf.split(applyConv(w.convS, s), 3, -1) as tf.Tensor4D[]
        const t = gatedMix(tg!, tt!, st!)
        const state: LayerState = {
          h: gatedMix(sg!, ss!, ts!),
          c: t,
          [KEYS.temporalWindow]: slideWindow(temporalWindow, t, tau),
          [KEYS.spatialWindow]: slideWindow(spatialWindow, s, tau),
        }
        return { state }
      })
    },
  }
}
