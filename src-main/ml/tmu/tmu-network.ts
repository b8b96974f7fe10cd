import type { ModelConfig, TmuOptions } from '../../api/contract/model'
import type { CellFactory } from '../cells/recurrent-cell'
import {
  createBackboneCell,
  createNetwork,
  type NetworkOptions,
  type PredictiveNetwork,
} from '../network'
import { createTmuCell } from './tmu-cell'

/**
 * The TMU target network, method.md §3.3: the backbone everywhere except the layers in
 * `tmu.layers` (1-based; the release: [1]), which are TMU cells.
 */

/** Model kind recorded in a TMU target's checkpoints. */
export const TMU_MODEL_KIND = 'tmu-convlstm'

/** `tmu.layers` for "every layer" of a model with `layerCount` layers. */
export function everyLayer(layerCount: number): number[] {
  return Array.from({ length: layerCount }, (_, index) => index + 1)
}

/**
 * The TMU options of a target, or a clear error. The backbone must be ConvLSTM: the TMU is a
 * ConvLSTM cell (method.md §3.3), and in a PredRNN stack it would cut the zig-zag memory's path.
 */
export function requireTmu(model: ModelConfig): TmuOptions {
  if (!model.tmu) throw new Error('tmu: the target model has no `tmu` options')
  if (model.cell !== 'convlstm') {
    throw new Error(`tmu: the target's backbone must be convlstm, got ${model.cell}`)
  }
  return model.tmu
}

/** 0-based indices of the TMU layers, ascending, each checked against the stack. */
export function tmuLayerIndices(model: ModelConfig): number[] {
  const { layers } = requireTmu(model)
  const layerCount = model.hidden.length
  for (const k of layers) {
    if (k > layerCount) {
      throw new Error(`tmu: TMU layer ${k} does not exist, the model has ${layerCount} layers`)
    }
  }
  return [...new Set(layers)].sort((a, b) => a - b).map((k) => k - 1)
}

export function createTmuCellFactory(model: ModelConfig): CellFactory {
  const tmu = requireTmu(model)
  const tmuIndices = new Set(tmuLayerIndices(model))
  const backbone = createBackboneCell(model.cell)
  return (spec, params) =>
    tmuIndices.has(spec.index) ? createTmuCell(spec, params, tmu) : backbone(spec, params)
}

export function createTmuNetwork(
  model: ModelConfig,
  options: Omit<NetworkOptions, 'cellFactory'>,
): PredictiveNetwork {
  return createNetwork(model, { ...options, cellFactory: createTmuCellFactory(model) })
}
