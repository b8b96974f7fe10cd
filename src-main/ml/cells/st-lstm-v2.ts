import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'
import {
  zeroLayerState,
  type LayerSpec,
  type LayerState,
  type RecurrentCell,
} from './recurrent-cell'
import { createStLstmWeights, stLstmGates, stLstmUpdate } from './st-lstm'

/**
 * PredRNN-V2's cell and its memory-decoupling loss, docs/method.md §2.7 (Wang et al., TPAMI
 * 2022). The step is the ST-LSTM's (st-lstm.ts) and keeps the two memory increments:
 *   ΔC_t = σ(i_x + i_h) ⊙ tanh(g_x + g_h)        C_t = σ(f_x + f_h + 1) ⊙ C_{t−1} + ΔC_t
 *   ΔM_t = σ(i'_x + i'_m) ⊙ tanh(g'_x + g'_m)    M_t = σ(f'_x + f'_m + 1) ⊙ M^{l−1}_t + ΔM_t
 * One 1×1 convolution without bias, shared by every layer (`adapter.weight`), maps both; each
 * channel of the result is normalised over the grid, and the loss is the mean |cosine| of
 * the two, over channels, clips, layers and steps:
 *   L_decouple = mean_{t,l,b,c} | cos( N(W_a ∗ ΔC^l_t)_{b,c}, N(W_a ∗ ΔM^l_t)_{b,c} ) |
 *   N(v) = v / max(‖v‖₂, 10⁻¹²)
 * so C and M learn to carry different things. Training minimises L_pred + β·L_decouple.
 *
 * Weights and their names are the ST-LSTM's (OpenSTL's SpatioTemporalLSTMCellv2 has the same
 * five convolutions); the increments are recomputed with tensor ops beside the fused update,
 * on the same gate tensors, so both kinds of backend take the same path.
 */

/** State keys of the increments, kept for the decoupling loss. */
export const DELTA_C = 'deltaC'
export const DELTA_M = 'deltaM'

/** PyTorch's F.normalize ε, squared: the guard sits under the square root (see below). */
const NORM_EPSILON_SQUARED = 1e-24
/** PyTorch's cosine_similarity ε, squared, guarding the product of the squared norms. */
const COSINE_EPSILON_SQUARED = 1e-16

export function createStLstmV2Cell(spec: LayerSpec, params: ParamBuilder): RecurrentCell {
  const w = createStLstmWeights(spec, params)
  const { hiddenChannels } = spec
  return {
    hiddenChannels,
    zigzagChannels: hiddenChannels,
    // The increments start as zeros too, so every layer state has the same keys at every step.
    zeroState: (batch) => {
      const rest = zeroLayerState(spec, batch)
      return { ...rest, [DELTA_C]: tf.zerosLike(rest.c), [DELTA_M]: tf.zerosLike(rest.c) }
    },
    step(x, prev, zigzag, _fromBelow, mode) {
      if (!zigzag) throw new Error(`predrnnv2 layer ${spec.index}: needs the zig-zag memory M`)
      return tf.tidy(() => {
        const gates = stLstmGates(w, x, prev, zigzag)
        const { state, m } = stLstmUpdate(w, gates)
        // Only L_decouple reads the increments: a rollout nobody trains on skips them.
        if (!mode.training) return { state, zigzag: m }
        const increments = memoryIncrements(gates.xGates, gates.hGates, gates.mGates)
        return { state: { ...state, ...increments }, zigzag: m }
      })
    },
  }
}

/** ΔC and ΔM from the three gate convolutions' outputs (the split orders of st-lstm.ts). */
function memoryIncrements(
  xGates: tf.Tensor4D,
  hGates: tf.Tensor4D,
  mGates: tf.Tensor4D,
): Record<typeof DELTA_C | typeof DELTA_M, tf.Tensor4D> {
  const [ix, , gx, ixPrime, , gxPrime] = tf.split(xGates, 7, -1) as tf.Tensor4D[]
  const [ih, , gh] = tf.split(hGates, 4, -1) as tf.Tensor4D[]
  const [im, , gm] = tf.split(mGates, 3, -1) as tf.Tensor4D[]
  const increment = (i1: tf.Tensor4D, i2: tf.Tensor4D, g1: tf.Tensor4D, g2: tf.Tensor4D) =>
    tf.mul(tf.sigmoid(tf.add(i1, i2)), tf.tanh(tf.add(g1, g2))) as tf.Tensor4D
  return {
    [DELTA_C]: increment(ix!, ih!, gx!, gh!),
    [DELTA_M]: increment(ixPrime!, im!, gxPrime!, gm!),
  }
}

/**
 * Each channel of `x` [B, h, w, ch] as a unit vector over the grid: [B, ch, h·w].
 * max(‖v‖², ε²) under the root rather than max(‖v‖, ε) outside it: a channel whose increment
 * is all zero (a shut input gate) then gets a zero gradient, not 0·∞ from √ at 0.
 */
function unitChannels(x: tf.Tensor4D): tf.Tensor3D {
  const [batch, height, width, channels] = x.shape
  const v = tf.transpose(tf.reshape(x, [batch, height * width, channels]), [0, 2, 1])
  const norm = tf.sqrt(tf.maximum(tf.sum(tf.square(v), -1, true), NORM_EPSILON_SQUARED))
  return tf.div(v, norm) as tf.Tensor3D
}

/** |cos| along the last axis, PyTorch's guard on the norms' product. */
function absCosine(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor2D {
  const dot = tf.sum(tf.mul(a, b), -1)
  const norms = tf.mul(tf.sum(tf.square(a), -1), tf.sum(tf.square(b), -1))
  return tf.abs(tf.div(dot, tf.sqrt(tf.maximum(norms, COSINE_EPSILON_SQUARED)))) as tf.Tensor2D
}

/**
 * L_decouple over a recorded training rollout: statesByStep[t][l] from runSequence with
 * recordStates and training (the increments are kept only then). Layers without increments
 * are left out.
 */
export function decouplingLoss(
  adapter: tf.Tensor4D,
  statesByStep: readonly (readonly LayerState[])[],
): tf.Scalar {
  return tf.tidy(() => {
    const terms: tf.Scalar[] = []
    for (const layers of statesByStep) {
      for (const state of layers) {
        const dc = state[DELTA_C]
        const dm = state[DELTA_M]
        if (!dc || !dm) continue
        const mapped = (d: tf.Tensor4D) => unitChannels(tf.conv2d(d, adapter, 1, 'valid'))
        terms.push(tf.mean(absCosine(mapped(dc), mapped(dm))) as tf.Scalar)
      }
    }
    if (terms.length === 0) {
      throw new Error(
        'decoupling loss: no layer kept memory increments (a rollout not in training)',
      )
    }
    return tf.mean(tf.stack(terms)) as tf.Scalar
  })
}
