import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'

/**
 * The contract between the stacked network and one layer's cell, so ConvLSTM, ST-LSTM and
 * the TMU (docs/method.md §3.3) slot into the same network. Tensors are NHWC: [B, h, w, channels]
 * with h, w the patched grid.
 */

/**
 * A layer's recurrent state after a step. `h` feeds the layer above (and the head from the
 * top layer); `c` is the cell memory the TMU's memory bank records from source networks.
 * A cell may carry more named tensors (e.g. the TMU's own memory or distiller outputs); the
 * network passes them back to the same cell unchanged and exposes them when recording.
 */
export type LayerState = {
  readonly h: tf.Tensor4D
  readonly c: tf.Tensor4D
  readonly [extra: string]: tf.Tensor4D
}

export interface CellStep {
  readonly state: LayerState
  /** PredRNN's zig-zag memory M handed to the next layer; absent if the cell has none. */
  readonly zigzag?: tf.Tensor4D
  /**
   * What the layer above reads beside its input within this step (MIM's non-stationary
   * hidden N, docs/method.md §2.8); absent if the cell hands nothing up.
   */
  readonly upward?: tf.Tensor4D
}

/**
 * Whether a step is part of the trainer's gradient pass. A cell may keep quantities that only a
 * training loss reads (PredRNN-V2's memory increments) and skip them in rollouts nobody
 * differentiates: evaluation, prediction, a TMU source's memory bank.
 */
export interface StepMode {
  readonly training: boolean
}

export const ROLLOUT: StepMode = { training: false }
export const TRAINING: StepMode = { training: true }

export interface RecurrentCell {
  readonly hiddenChannels: number
  /** Channels of the zig-zag memory M the cell reads, or null if it ignores M (ConvLSTM). */
  readonly zigzagChannels: number | null
  /** All-zero state for a batch (docs/method.md §2.4: all states start at zero). */
  zeroState(batch: number): LayerState
  /**
   * One time step inside `tf.tidy`: `x` is the patched frame (layer 1) or the H of the layer
   * below; `zigzag` the M arriving from the layer below (or the top layer at t−1), null when
   * no cell of the network uses M; `fromBelow` what the layer below handed up this step
   * (null at layer 1 and above cells that hand nothing up); `mode` whether the trainer
   * differentiates it. Returns only tensors that outlive the step.
   */
  step(
    x: tf.Tensor4D,
    prev: LayerState,
    zigzag: tf.Tensor4D | null,
    fromBelow: tf.Tensor4D | null,
    mode: StepMode,
  ): CellStep
}

/** Geometry and options of one layer, 0-based `index` (docs/method.md's layer k = index + 1). */
export interface LayerSpec {
  readonly index: number
  readonly inChannels: number
  readonly hiddenChannels: number
  readonly kernelSize: number
  readonly heightPatches: number
  readonly widthPatches: number
  readonly layerNorm: boolean
}

/**
 * Builds the cell of one layer; `params` already prefixes names with the layer's scope
 * (`cell_list.<index>.`; MIM's `stlstm_layer.<index>.`), and `root` is the network's own
 * builder, for a cell with a companion module named elsewhere (MIM's `stlstm_layer_diff.`).
 * The TMU plugs in by returning its cell for its layers and `createBackboneCell` elsewhere.
 */
export type CellFactory = (
  spec: LayerSpec,
  params: ParamBuilder,
  root: ParamBuilder,
) => RecurrentCell

/** Zero H and C for a layer, [batch, h, w, hidden]: every cell starts from rest (docs/method.md §2.4). */
export function zeroLayerState(spec: LayerSpec, batch: number): LayerState {
  const shape: [number, number, number, number] = [
    batch,
    spec.heightPatches,
    spec.widthPatches,
    spec.hiddenChannels,
  ]
  return { h: tf.zeros(shape), c: tf.zeros(shape) }
}
