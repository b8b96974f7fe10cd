import { CELL_LABELS, isRecurrentCell, type ModelConfig } from '../../domain/model'
import type { CellFactory } from '../cells/recurrent-cell'
import {
  createBackboneCell,
  createNetwork,
  type NetworkOptions,
  type PredictiveNetwork,
} from '../network'
import { createTmuCell } from './tmu-cell'
import { requireTmu, tmuLayerIndices } from './tmu-layers'

/**
 * The TMU target network, docs/method.md §3.3: the backbone everywhere except the layers in
 * `tmu.layers` (1-based; the release: [1]), which are TMU cells.
 */

/** Model kind recorded in a TMU target's checkpoints. */
export const TMU_MODEL_KIND = 'tmu-convlstm'

export function createTmuCellFactory(model: ModelConfig): CellFactory {
  const tmu = requireTmu(model)
  const tmuIndices = new Set(tmuLayerIndices(model))
  const cell = model.cell
  if (!isRecurrentCell(cell)) throw new Error(`tmu: ${CELL_LABELS[cell]} holds no memory state`)
  const backbone = createBackboneCell(cell)
  return (spec, params, root) =>
    tmuIndices.has(spec.index) ? createTmuCell(spec, params, tmu) : backbone(spec, params, root)
}

export function createTmuNetwork(
  model: ModelConfig,
  options: Omit<NetworkOptions, 'cellFactory'>,
): PredictiveNetwork {
  return createNetwork(model, { ...options, cellFactory: createTmuCellFactory(model) })
}
