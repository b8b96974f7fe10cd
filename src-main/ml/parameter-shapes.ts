import {
  e3dOptionsOf,
  isRecurrentCell,
  mauOptionsOf,
  mauReductionSteps,
  type ModelConfig,
  type RecurrentCellKind,
  type TmuOptions,
} from '../domain/model'
import { elementCount } from './checkpoint/tensors'
import { simVpParameterShapes } from './simvp/simvp-shapes'
import { tmuLayerIndices, type DistillerPrefix } from './tmu/tmu-layers'

/**
 * Every parameter of a network by its PyTorch-style name, with its shape in tfjs layout and in
 * the network's creation order: what an imported checkpoint must hold to be this model, and
 * what the memory estimate counts. Read from the config alone, without TensorFlow.js, so the
 * main process (the CLI's `tmu zoo import`, the runs service) needs no backend. The cells'
 * `create…Weights` (conv-lstm.ts, st-lstm.ts, causal-lstm.ts, gradient-highway.ts, mim.ts,
 * tmu-cell.ts, tmu-backbone-cell.ts) are the truth these mirror;
 * parameter-shapes.test.ts checks them against real networks.
 */
export type ParameterShapes = Record<string, number[]>

/** Where each backbone's layers are named: the field's PyTorch module lists. */
export const LAYER_SCOPE: Record<RecurrentCellKind, string> = {
  convlstm: 'cell_list.',
  predrnn: 'cell_list.',
  predrnnpp: 'cell_list.',
  predrnnv2: 'cell_list.',
  mim: 'stlstm_layer.',
  mau: 'cell_list.',
  e3d: 'cell_list.',
}

interface Layer {
  readonly inChannels: number
  readonly hid: number
  readonly k: number
  /** [h, w] of the patched grid: a layer norm's shape is [h, w, channels]. */
  readonly grid: readonly [number, number]
}

/** `name.weight` and `name.bias` of a layer norm over [h, w, channels]. */
function layerNorm(name: string, grid: Layer['grid'], channels: number): ParameterShapes {
  const shape = [...grid, channels]
  return { [`${name}.weight`]: shape, [`${name}.bias`]: [...shape] }
}

/** normed-conv.ts: a bias-free k×k convolution `<name>.0`, with its layer norm `<name>.1` when normed. */
function normedConvShapes(
  name: string,
  k: number,
  inChannels: number,
  outChannels: number,
  grid: Layer['grid'],
  norm: boolean,
): ParameterShapes {
  return {
    [`${name}.0.weight`]: [k, k, inChannels, outChannels],
    ...(norm ? layerNorm(`${name}.1`, grid, outChannels) : {}),
  }
}

/** conv-lstm.ts: one gate convolution with bias over [X, H], optionally normed. */
function convLstmShapes({ inChannels, hid, k, grid }: Layer, norm: boolean): ParameterShapes {
  return {
    'conv.0.weight': [k, k, inChannels + hid, 4 * hid],
    'conv.0.bias': [4 * hid],
    ...(norm ? layerNorm('conv.1', grid, 4 * hid) : {}),
  }
}

/** st-lstm.ts: four bias-free convolutions (each optionally normed) and a 1×1 conv_last. */
function stLstmShapes({ inChannels, hid, k, grid }: Layer, norm: boolean): ParameterShapes {
  const conv = (name: string, inCh: number, outCh: number) =>
    normedConvShapes(name, k, inCh, outCh, grid, norm)
  return {
    ...conv('conv_x', inChannels, 7 * hid),
    ...conv('conv_h', hid, 4 * hid),
    ...conv('conv_m', hid, 3 * hid),
    ...conv('conv_o', 2 * hid, hid),
    'conv_last.weight': [1, 1, 2 * hid, hid],
  }
}

/** causal-lstm.ts: six bias-free k×k convolutions (each optionally normed; conv_o unused) and a 1×1 conv_last. */
function causalLstmShapes({ inChannels, hid, k, grid }: Layer, norm: boolean): ParameterShapes {
  const conv = (name: string, inCh: number, outCh: number) =>
    normedConvShapes(name, k, inCh, outCh, grid, norm)
  return {
    ...conv('conv_x', inChannels, 7 * hid),
    ...conv('conv_h', hid, 4 * hid),
    ...conv('conv_c', hid, 3 * hid),
    ...conv('conv_m', hid, 3 * hid),
    ...conv('conv_o', 2 * hid, hid),
    ...conv('conv_c2m', hid, 4 * hid),
    ...conv('conv_om', hid, hid),
    'conv_last.weight': [1, 1, 2 * hid, hid],
  }
}

/** gradient-highway.ts: two bias-free k×k convolutions to 2·hidden, z first, each optionally normed. */
function highwayShapes({ hid, k, grid }: Layer, norm: boolean): ParameterShapes {
  const conv = (name: string) =>
    normedConvShapes(`gradient_highway.${name}`, k, hid, 2 * hid, grid, norm)
  return { ...conv('z_concat'), ...conv('x_concat') }
}

/** mim.ts: MIM-N or MIM-S, two normed k×k convolutions to 4·hidden and the [h, w, ·] peepholes. */
function memoryModuleShapes({ hid, k, grid }: Layer, norm: boolean): ParameterShapes {
  return {
    ...normedConvShapes('conv_h_concat', k, hid, 4 * hid, grid, norm),
    ...normedConvShapes('conv_x_concat', k, hid, 4 * hid, grid, norm),
    ct_weight: [...grid, 2 * hid],
    oc_weight: [...grid, hid],
  }
}

/** `shapes` with every name under `prefix`. */
function named(prefix: string, shapes: ParameterShapes): ParameterShapes {
  return Object.fromEntries(Object.entries(shapes).map(([n, shape]) => [prefix + n, shape]))
}

/** mim.ts: layer 1 an ST-LSTM; a MIM block above it, with its MIM-N under stlstm_layer_diff. */
function mimLayerShapes(layer: Layer, index: number, norm: boolean): ParameterShapes {
  const scope = `${LAYER_SCOPE.mim}${index}.`
  if (index === 0) return named(scope, stLstmShapes(layer, norm))
  const { hid, k, grid } = layer
  const conv = (name: string, outCh: number) => normedConvShapes(name, k, hid, outCh, grid, norm)
  const lastConv = { 'conv_last.weight': [1, 1, 2 * hid, hid] }
  return {
    ...named(scope, {
      ...conv('conv_t_cc', 3 * hid),
      ...conv('conv_s_cc', 4 * hid),
      ...conv('conv_x_cc', 4 * hid),
      ...memoryModuleShapes(layer, norm),
      ...lastConv,
    }),
    ...named(`stlstm_layer_diff.${index - 1}.`, {
      ...memoryModuleShapes(layer, norm),
      ...lastConv,
    }),
  }
}

/** mau.ts: four biased k×k convolutions, each with its layer norm, whatever `layerNorm` says. */
function mauLayerShapes({ hid, k, grid }: Layer): ParameterShapes {
  const conv = (name: string, outCh: number) => ({
    [`${name}.0.weight`]: [k, k, hid, outCh],
    [`${name}.0.bias`]: [outCh],
    ...layerNorm(`${name}.1`, grid, outCh),
  })
  return {
    ...conv('conv_t', 3 * hid),
    ...conv('conv_t_next', hid),
    ...conv('conv_s', 3 * hid),
    ...conv('conv_s_next', hid),
  }
}

/** mau-codec.ts: the encoder, decoder and head (with OpenSTL's unused merge and conv_last_sr). */
function mauCodecShapes(model: ModelConfig, frameChannels: number): ParameterShapes {
  const bottom = model.hidden[0]!
  const top = model.hidden[model.hidden.length - 1]!
  const n = mauReductionSteps(mauOptionsOf(model).srSize)
  const biased = (name: string, k: number, inCh: number, outCh: number) => ({
    [`${name}.weight`]: [k, k, inCh, outCh],
    [`${name}.bias`]: [outCh],
  })
  const shapes = biased('encoders.0.encoder_t_conv-1', 1, frameChannels, bottom)
  for (let i = 0; i < n; i++)
    Object.assign(shapes, biased(`encoders.${i + 1}.encoder_t${i}`, 3, bottom, bottom))
  for (let i = 0; i < n; i++)
    Object.assign(shapes, biased(`decoders.${i}.c_decoder${i}`, 3, top, top))
  return {
    ...shapes,
    ...biased('srcnn.0', 1, top, frameChannels),
    ...biased('merge', 1, 2 * top, top),
    ...biased('conv_last_sr', 1, 2 * frameChannels, frameChannels),
  }
}

/**
 * e3d-lstm.ts: `_norm_c_t` over the window, five bias-free d×k×k Conv3d (OpenSTL's `tf_Conv3d`
 * wrapper names them `.0.conv3d`), each with a window norm when `norm`, and the 1×1×1 conv_last.
 */
function e3dLayerShapes({ inChannels, hid, k, grid }: Layer, norm: boolean, window: number) {
  const conv = (name: string, inCh: number, outCh: number): ParameterShapes => ({
    [`${name}.0.conv3d.weight`]: [k, k, window, inCh, outCh],
    ...(norm ? windowNormShapes(`${name}.1`, grid, window, outCh) : {}),
  })
  return {
    ...windowNormShapes('_norm_c_t', grid, window, hid),
    ...conv('conv_x', inChannels, 7 * hid),
    ...conv('conv_h', hid, 4 * hid),
    ...conv('conv_gm', hid, 4 * hid),
    ...conv('conv_new_cell', hid, hid),
    ...conv('conv_new_gm', hid, hid),
    'conv_last.conv3d.weight': [1, 1, 1, 2 * hid, hid],
  }
}

function windowNormShapes(
  name: string,
  grid: readonly [number, number],
  window: number,
  channels: number,
): ParameterShapes {
  const shape = [grid[0], grid[1], window, channels]
  return { [`${name}.weight`]: shape, [`${name}.bias`]: [...shape] }
}

/** The backbones whose layers all live under `cell_list.` (MIM's under two lists of its own). */
const BACKBONE_SHAPES: Record<
  Exclude<RecurrentCellKind, 'mim' | 'mau' | 'e3d'>,
  (layer: Layer, norm: boolean) => ParameterShapes
> = {
  convlstm: convLstmShapes,
  predrnn: stLstmShapes,
  predrnnpp: causalLstmShapes,
  predrnnv2: stLstmShapes,
}

/** tmu-cell.ts: 4 + M gates, always normed, and per source a 1×1 distiller with its norm. */
function tmuShapes(layer: Layer, sources: number): ParameterShapes {
  const { inChannels, hid, k, grid } = layer
  const gateChannels = (4 + sources) * hid
  return {
    'conv.0.weight': [k, k, inChannels + hid, gateChannels],
    'conv.0.bias': [gateChannels],
    ...layerNorm('conv.1', grid, gateChannels),
    ...distillerShapes(layer, sources),
  }
}

/**
 * tmu-backbone-cell.ts: beside another backbone's cell, the M transfer gates and the
 * distillers; with `transferM` M more gates for the spatiotemporal memory and M more distillers.
 */
function transferShapes(layer: Layer, { sources, transferM }: TmuOptions): ParameterShapes {
  const { inChannels, hid, k, grid } = layer
  const gateChannels = (transferM ? 2 : 1) * sources * hid
  return {
    'transfer.0.weight': [k, k, inChannels + hid, gateChannels],
    'transfer.0.bias': [gateChannels],
    ...layerNorm('transfer.1', grid, gateChannels),
    ...distillerShapes(layer, sources),
    ...(transferM ? distillerShapes(layer, sources, 'distiller_m') : {}),
  }
}

/** tmu-cell.ts: per source m = 1 … M a 1×1 distiller and its norm. */
function distillerShapes(
  { hid, grid }: Layer,
  sources: number,
  prefix: DistillerPrefix = 'distiller',
): ParameterShapes {
  const shapes: ParameterShapes = {}
  for (let m = 1; m <= sources; m++) {
    Object.assign(shapes, {
      [`${prefix}${m}.0.weight`]: [1, 1, hid, hid],
      ...layerNorm(`${prefix}${m}.1`, grid, hid),
    })
  }
  return shapes
}

export function parameterShapes(model: ModelConfig): ParameterShapes {
  const cell = model.cell
  if (!isRecurrentCell(cell)) return simVpParameterShapes(model)
  const { patchSize: p, kernelSize: k, hidden } = model
  const frameChannels = p * p * model.channels
  const reduction = cell === 'mau' ? mauOptionsOf(model).srSize : 1
  const grid = [model.imageHeight / p / reduction, model.imageWidth / p / reduction] as const
  const tmuIndices = new Set(model.tmu ? tmuLayerIndices(model) : [])
  // PredRNN++'s gradient highway is created before the cells (network.ts, as OpenSTL).
  const shapes: ParameterShapes =
    cell === 'predrnnpp'
      ? highwayShapes({ inChannels: hidden[0]!, hid: hidden[0]!, k, grid }, model.layerNorm)
      : {}
  // MAU's layer 1 reads its encoder's output, hidden_1 channels wide, not the patched frame.
  const firstInput = cell === 'mau' ? hidden[0]! : frameChannels
  hidden.forEach((hid, index) => {
    const layer = { inChannels: index === 0 ? firstInput : hidden[index - 1]!, hid, k, grid }
    const scope = `${LAYER_SCOPE[cell]}${index}.`
    const isTmu = tmuIndices.has(index)
    if (cell === 'mau') {
      Object.assign(shapes, named(scope, mauLayerShapes(layer)))
    } else if (cell === 'e3d') {
      const { window } = e3dOptionsOf(model)
      Object.assign(shapes, named(scope, e3dLayerShapes(layer, model.layerNorm, window)))
    } else if (cell === 'mim') {
      Object.assign(shapes, mimLayerShapes(layer, index, model.layerNorm))
    } else if (cell === 'convlstm' && isTmu) {
      Object.assign(shapes, named(scope, tmuShapes(layer, model.tmu!.sources)))
    } else {
      Object.assign(shapes, named(scope, BACKBONE_SHAPES[cell](layer, model.layerNorm)))
    }
    // The other backbones keep their own cell at a TMU layer, the transfer created after it.
    if (cell !== 'convlstm' && isTmu) {
      // E3D-LSTM's transfer reads and writes its windows whole (tmu-network.ts).
      const d = cell === 'e3d' ? e3dOptionsOf(model).window : 1
      const read = { ...layer, inChannels: index === 0 ? layer.inChannels : d * layer.inChannels }
      Object.assign(shapes, named(scope, transferShapes({ ...read, hid: d * hid }, model.tmu!)))
    }
  })
  if (cell === 'mau') return { ...shapes, ...mauCodecShapes(model, frameChannels) }
  const top = hidden[hidden.length - 1]!
  // E3D-LSTM's head is a Conv3d over the top layer's window (kernel and stride (d, 1, 1)).
  shapes['conv_last.weight'] =
    cell === 'e3d'
      ? [1, 1, e3dOptionsOf(model).window, top, frameChannels]
      : [1, 1, top, frameChannels]
  // PredRNN-V2's shared 1×1 adapter of the memory increments, after conv_last as in OpenSTL.
  if (cell === 'predrnnv2') shapes['adapter.weight'] = [1, 1, hidden[0]!, hidden[0]!]
  return shapes
}

/** BatchNorm's running estimates: saved with the weights (PyTorch's buffers), never trained. */
const RUNNING_STATISTIC = /\.running_(mean|var)$/

/**
 * Scalar parameters of a network, every weight, bias and norm (the paper's ConvLSTM: 2 971 648);
 * running statistics are not parameters, as PyTorch's `parameters()` and params.ts count them.
 */
export function parameterCount(model: ModelConfig): number {
  return Object.entries(parameterShapes(model))
    .filter(([name]) => !RUNNING_STATISTIC.test(name))
    .reduce((n, [, shape]) => n + elementCount(shape), 0)
}
