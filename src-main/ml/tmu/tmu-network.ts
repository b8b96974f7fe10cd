import {
  CELL_LABELS,
  e3dOptionsOf,
  isRecurrentCell,
  type CellKind,
  type ModelConfig,
} from '../../domain/model'
import type { CellFactory } from '../cells/recurrent-cell'
import {
  createBackboneCell,
  createNetwork,
  type NetworkOptions,
  type PredictiveNetwork,
} from '../network'
import { createTmuBackboneCell } from './tmu-backbone-cell'
import { createTmuCell } from './tmu-cell'
import { requireTmu, tmuLayerIndices } from './tmu-layers'

/**
 * The TMU target network, docs/method.md §3.3: the backbone everywhere except the layers in
 * `tmu.layers` (1-based; the release: [1]), which are TMU cells: the release's ConvLSTM TMU
 * on a ConvLSTM backbone, the backbone's own cell with the TMU's transfer beside it on the
 * others (tmu-backbone-cell.ts, §3.11).
 */

/** Model kind recorded in a TMU target's checkpoints (`tmu-convlstm` for the release's). */
export function tmuModelKind(cell: CellKind): string {
  return `tmu-${cell}`
}

export function createTmuCellFactory(model: ModelConfig): CellFactory {
  const tmu = requireTmu(model)
  const tmuIndices = new Set(tmuLayerIndices(model))
  if (!isRecurrentCell(model.cell)) {
    throw new Error(`tmu: ${CELL_LABELS[model.cell]} holds no memory state`)
  }
  const backbone = createBackboneCell(model)
  // E3D-LSTM's H and C are windows of d slots folded into channels: the transfer reads and
  // writes them whole, as d·hidden channels (layer 1 reads the bare patched frame), §2.12.
  const window = model.cell === 'e3d' ? e3dOptionsOf(model).window : 1
  return (spec, params, root) => {
    if (!tmuIndices.has(spec.index)) return backbone(spec, params, root)
    if (model.cell === 'convlstm') return createTmuCell(spec, params, tmu)
    const transferSpec = {
      ...spec,
      inChannels: spec.index === 0 ? spec.inChannels : window * spec.inChannels,
      hiddenChannels: window * spec.hiddenChannels,
    }
    return createTmuBackboneCell(
      () => backbone(spec, params, root),
      transferSpec,
      params,
      root,
      tmu,
    )
  }
}

export function createTmuNetwork(
  model: ModelConfig,
  options: Omit<NetworkOptions, 'cellFactory'>,
): PredictiveNetwork {
  return createNetwork(model, { ...options, cellFactory: createTmuCellFactory(model) })
}
