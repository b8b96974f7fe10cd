import * as tf from '@tensorflow/tfjs'
import type { TmuOptions } from '../../domain/model'
import { convLstmGates } from '../fused/conv-lstm-gates'
import { layerNorm } from '../cells/layer-norm'
import {
  zeroLayerState,
  type LayerSpec,
  type LayerState,
  type RecurrentCell,
} from '../cells/recurrent-cell'
import type { LayerNormWeights, ParamBuilder } from '../params'
import type { DistillerPrefix } from './tmu-layers'

/**
 * Transferable memory unit, docs/method.md §3.3; tensors [B, h, w, ch], M sources.
 *   [i,f,o,g,s_1..s_M] = split_{4+M}( LN( Conv_k×k( concat[X_t, H_{t-1}] ) + b ) )
 *   C̃_t = σ(f)⊙C_{t-1} + σ(i)⊙tanh(g)
 *   H_t = σ(o)⊙tanh(C̃_t)
 *   D_m = LN_m( W_m^{1×1} * C̃_t )
 *   T_m = σ(s_m)        (gate 'softmax': T_1..T_M = softmax over m, per channel and pixel)
 *   C_t = C̃_t + Σ_m [ T_m⊙D_m + (1−T_m)⊙C̃_t ]      (rescaleMemory: C_t / (1+M))
 *
 * PyTorch names under `cell_list.<l>.`, as the authors' release (thuml/transferable-memory,
 * `AdaptiveCell`): `conv.0.weight`, `conv.0.bias` (the gate convolution keeps its bias),
 * `conv.1.weight`, `conv.1.bias` (its layer norm over [(4+M)·hidden, h, w], always on, as in
 * the release, whatever `layerNorm` says for the backbone layers), then per source m = 1 … M
 * `distiller<m>.0.weight` (1×1, no bias) and `distiller<m>.1.weight`/`.bias` (layer norm over
 * [hidden, h, w]). Gate order along channels: i, f, o, g, s_1 … s_M.
 *
 * Source m is numbered 0 … M−1 in code and state keys, 1 … M in parameter names (the
 * release's `distiller1`, `distiller2`).
 */

export interface TmuWeights {
  /** [k, k, in + hidden, (4+M)·hidden] */
  readonly kernel: tf.Tensor4D
  /** [(4+M)·hidden] */
  readonly bias: tf.Tensor1D
  readonly norm: LayerNormWeights
  readonly distillers: readonly TmuDistiller[]
}

export interface TmuDistiller {
  /** W_m: [1, 1, hidden, hidden] */
  readonly kernel: tf.Tensor4D
  /** LN_m over [hidden, h, w] */
  readonly norm: LayerNormWeights
}

export type TmuGate = TmuOptions['gate']

export interface TmuStepOptions {
  readonly gate: TmuGate
  readonly rescaleMemory: boolean
}

/**
 * What one step leaves for the next step and for the trainer: `c` is C_t (carried to t+1),
 * `cTilde` C̃_t, and per source m the distiller output D_m and the gate T_m under the keys
 * of `distilledKey(m)` and `gateKey(m)`.
 */
export type TmuState = LayerState & { readonly cTilde: tf.Tensor4D }

/** What the transfer leaves in a TMU layer's state beside the backbone's own `h`. */
export type TransferredMemory = Record<string, tf.Tensor4D> & {
  readonly c: tf.Tensor4D
  readonly cTilde: tf.Tensor4D
}

export const distilledKey = (m: number) => `distilled${m}`
export const gateKey = (m: number) => `gate${m}`
/** The same for the spatiotemporal memory M (`tmu.transferM`, tmu-backbone-cell.ts). */
export const distilledMKey = (m: number) => `distilledM${m}`
export const gateMKey = (m: number) => `gateM${m}`

/** Under which state keys a transfer leaves its memory: C's, or (`tmu.transferM`) M's. */
export interface MemoryKeys {
  /** The memory after the transfer: C_t (carried to t+1), or the M handed on. */
  readonly carried: string
  /** The cell's own memory before it: C̃_t, or M̃_t. */
  readonly tilde: string
  readonly distilled: (m: number) => string
  readonly gate: (m: number) => string
}

export const C_KEYS: MemoryKeys = {
  carried: 'c',
  tilde: 'cTilde',
  distilled: distilledKey,
  gate: gateKey,
}
export const M_KEYS: MemoryKeys = {
  carried: 'm',
  tilde: 'mTilde',
  distilled: distilledMKey,
  gate: gateMKey,
}

export function tmuStep(
  w: TmuWeights,
  x: tf.Tensor4D,
  prev: LayerState,
  options: TmuStepOptions,
): TmuState {
  return tf.tidy(() => {
    const sources = w.distillers.length
    const conv = tf.add(tf.conv2d(tf.concat([x, prev.h], -1), w.kernel, 1, 'same'), w.bias)
    const hidden = prev.c.shape[3]
    const [lstmGates, transferLogits] = tf.split(
      layerNorm(conv as tf.Tensor4D, w.norm),
      [4 * hidden, sources * hidden],
      -1,
    ) as [tf.Tensor4D, tf.Tensor4D]
    const { c: cTilde, h } = convLstmGates(lstmGates, prev.c)
    const s = splitPerSource(transferLogits, sources)
    return { h, ...(transferMemory(w.distillers, cTilde, s, options) as TransferredMemory) }
  })
}

/**
 * The transfer half of a TMU step, shared by the release's ConvLSTM TMU and the TMU on other
 * backbones (tmu-backbone-cell.ts): from C̃_t and the gate pre-activations s_1 … s_M, the
 * distilled D_m, the gates T_m and the carried C_t, keyed as TmuState holds them (or, with
 * M_KEYS, the same on the spatiotemporal memory M̃_t). Call inside the step's tidy.
 */
export function transferMemory(
  distillers: readonly TmuDistiller[],
  cTilde: tf.Tensor4D,
  s: readonly tf.Tensor4D[],
  options: TmuStepOptions,
  keys: MemoryKeys = C_KEYS,
): Record<string, tf.Tensor4D> {
  const sources = distillers.length
  const distilled = distillers.map((d) =>
    layerNorm(tf.conv2d(cTilde, d.kernel, 1, 'valid'), d.norm),
  )
  const gates = transferGates(s, options.gate)
  // C̃ + Σ_m [T_m⊙D_m + (1−T_m)⊙C̃] = C̃ + Σ_m [C̃ + T_m⊙(D_m − C̃)], one product per source.
  const mixed = distilled.map((d, m) =>
    tf.add(cTilde, tf.mul(gates[m] as tf.Tensor4D, tf.sub(d, cTilde))),
  )
  const carried = tf.addN([cTilde, ...mixed]) as tf.Tensor4D
  const c = options.rescaleMemory ? (tf.div(carried, 1 + sources) as tf.Tensor4D) : carried
  const state: Record<string, tf.Tensor4D> = { [keys.carried]: c, [keys.tilde]: cTilde }
  distilled.forEach((d, m) => (state[keys.distilled(m)] = d))
  gates.forEach((t, m) => (state[keys.gate(m)] = t))
  return state
}

/** s_1 … s_M from their M·hidden channels, source-major as the release orders them. */
export function splitPerSource(logits: tf.Tensor4D, sources: number): tf.Tensor4D[] {
  // tfjs cannot differentiate a one-way split (its gradient concatenates a lone tensor).
  return sources === 1 ? [logits] : (tf.split(logits, sources, -1) as tf.Tensor4D[])
}

/** T_m from the gate pre-activations s_m: independent sigmoids, or a softmax across m. */
function transferGates(s: readonly tf.Tensor4D[], gate: TmuGate): tf.Tensor4D[] {
  if (gate === 'sigmoid') return s.map((logits) => tf.sigmoid(logits))
  return tf.unstack(tf.softmax(tf.stack([...s], -1), -1), -1) as tf.Tensor4D[]
}

export function createTmuWeights(
  spec: LayerSpec,
  params: ParamBuilder,
  sources: number,
): TmuWeights {
  const { inChannels, hiddenChannels: hid, kernelSize: k, heightPatches, widthPatches } = spec
  const gateChannels = (4 + sources) * hid
  return {
    kernel: params.convWeight('conv.0.weight', k, inChannels + hid, gateChannels),
    bias: params.convBias('conv.0.bias', (inChannels + hid) * k * k, gateChannels),
    norm: params.layerNorm('conv.1', [heightPatches, widthPatches, gateChannels]),
    distillers: createDistillers(spec, params, sources),
  }
}

/**
 * Per source m = 1 … M, W_m (`<prefix><m>.0.weight`, 1×1, no bias) and LN_m (`<prefix><m>.1`):
 * `distiller<m>` for C, as the release names them, `distiller_m<m>` for M (`tmu.transferM`).
 */
export function createDistillers(
  { hiddenChannels: hid, heightPatches, widthPatches }: LayerSpec,
  params: ParamBuilder,
  sources: number,
  prefix: DistillerPrefix = 'distiller',
): TmuDistiller[] {
  return Array.from({ length: sources }, (_, m) => ({
    kernel: params.convWeight(`${prefix}${m + 1}.0.weight`, 1, hid, hid),
    norm: params.layerNorm(`${prefix}${m + 1}.1`, [heightPatches, widthPatches, hid]),
  }))
}

export function createTmuCell(
  spec: LayerSpec,
  params: ParamBuilder,
  options: TmuOptions,
): RecurrentCell {
  const weights = createTmuWeights(spec, params, options.sources)
  const { hiddenChannels } = spec
  const stepOptions: TmuStepOptions = { gate: options.gate, rescaleMemory: options.rescaleMemory }
  return {
    hiddenChannels,
    zigzagChannels: null,
    zeroState: (batch) => zeroLayerState(spec, batch),
    step: (x, prev) => ({ state: tmuStep(weights, x, prev, stepOptions) }),
  }
}
