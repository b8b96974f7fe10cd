import * as tf from '@tensorflow/tfjs'
import {
  e3dOptionsOf,
  isRecurrentCell,
  mauOptionsOf,
  type ModelConfig,
  type RecurrentCellKind,
} from '../domain/model'
import { createCausalLstmCell } from './cells/causal-lstm'
import { createConvLstmCell } from './cells/conv-lstm'
import { createE3dCell, createE3dHead } from './cells/e3d-lstm'
import { createGradientHighway, highwayStep, type GradientHighway } from './cells/gradient-highway'
import {
  ROLLOUT,
  type CellFactory,
  type LayerSpec,
  type LayerState,
  type RecurrentCell,
  type StepMode,
} from './cells/recurrent-cell'
import { createStLstmCell } from './cells/st-lstm'
import { createStLstmV2Cell } from './cells/st-lstm-v2'
import { createMimCell } from './cells/mim'
import { createMauCell } from './cells/mau'
import { createMauCodec, type FrameCodec } from './cells/mau-codec'
import { LAYER_SCOPE } from './parameter-shapes'
import { createParamStore, type ParamBuilder, type ParamStore } from './params'
import { createRng } from './random'

/**
 * Stacked predictive network, docs/method.md §2.4: K recurrent layers on the patched grid, layer 1
 * reading the patched frame and layer k the H of layer k−1; a 1×1 convolution without bias
 * (`conv_last.weight`, [1, 1, hidden_K, p·p·C]) maps the top H to the next patched frame.
 * PredRNN's zig-zag memory M flows up the layers within a step and from the top layer at t−1
 * to layer 1 at t. A PredRNN++ stack has a Gradient Highway Unit between layers 1 and 2
 * (`gradient_highway.…`, created first as OpenSTL does): layer 2 reads its Z instead of layer
 * 1's H. A PredRNN-V2 stack adds the 1×1 `adapter.weight` its decoupling loss maps the
 * memory increments with (cells/st-lstm-v2.ts). A MAU stack has its own frame codec in place of
 * the head (cells/mau-codec.ts): stride-2 convolutions take the patched frame to a grid srSize
 * times coarser, where its cells run, and transposed ones take the top S back. An E3D-LSTM
 * stack carries windows of d time slots in every state (cells/e3d-lstm.ts) and its head is a
 * Conv3d over the top window. All states start at zero.
 *
 * Parameter names are those of thuml/predrnn-pytorch's `RNN` module (`cell_list.<l>.…`,
 * `conv_last.weight`); see params.ts for the tfjs ↔ PyTorch layouts.
 */

export interface PredictiveNetwork {
  readonly config: ModelConfig
  readonly params: ParamStore
  readonly cells: readonly RecurrentCell[]
  /** PredRNN++'s GHU between layers 1 and 2; null for the other backbones. */
  readonly highway: GradientHighway | null
  /** Patched frame → what layer 1 reads, top H → the guess (for all but MAU: x and conv_last). */
  readonly codec: FrameCodec
  /** PredRNN-V2's shared adapter of the memory increments [1, 1, hidden, hidden]; else null. */
  readonly adapter: tf.Tensor4D | null
  /** p·p·C, the channels of a patched frame. */
  readonly frameChannels: number
  readonly heightPatches: number
  readonly widthPatches: number
  /** The grid the cells run on: the patched grid, or MAU's reduced by srSize. */
  readonly cellGrid: readonly [number, number]
  dispose(): void
}

/** Recurrent state of the whole stack between two steps. */
export interface NetworkState {
  readonly layers: readonly LayerState[]
  readonly zigzag: tf.Tensor4D | null
  /** The GHU's Z (PredRNN++), null without one. */
  readonly highway: tf.Tensor4D | null
}

export interface NetworkOptions {
  /** Seeds the initial weights (PyTorch-default uniform bounds). */
  readonly seed: number
  /** False for frozen networks, e.g. the TMU's sources. */
  readonly trainable?: boolean
  /** Builds each layer's cell; defaults to the backbone of `config.cell` everywhere. */
  readonly cellFactory?: CellFactory
}

const BACKBONE_CELLS: Record<Exclude<RecurrentCellKind, 'mau' | 'e3d'>, CellFactory> = {
  convlstm: createConvLstmCell,
  predrnn: createStLstmCell,
  predrnnpp: createCausalLstmCell,
  predrnnv2: createStLstmV2Cell,
  mim: createMimCell,
}

/** The backbone cell of a model's layers; what the TMU falls back on. */
export function createBackboneCell(model: ModelConfig): CellFactory {
  const { cell } = model
  if (!isRecurrentCell(cell)) throw new Error(`network: ${cell} has no recurrent cell`)
  if (cell === 'e3d') {
    const options = e3dOptionsOf(model)
    return (spec, params) => createE3dCell(spec, params, options)
  }
  if (cell !== 'mau') return BACKBONE_CELLS[cell]
  const { tau } = mauOptionsOf(model)
  return (spec, params) => createMauCell(spec, params, tau)
}

/** The head of every backbone but MAU: layer 1 reads the patched frame, a 1×1 conv_last guesses. */
function createHeadCodec(
  params: ParamBuilder,
  topChannels: number,
  frameChannels: number,
): FrameCodec {
  const headKernel = params.convWeight('conv_last.weight', 1, topChannels, frameChannels)
  return {
    encode: (x) => x,
    decode: (top) => tf.conv2d(top, headKernel, 1, 'valid'),
  }
}

export function createNetwork(config: ModelConfig, options: NetworkOptions): PredictiveNetwork {
  const { patchSize: p, kernelSize: k, hidden, cell } = config
  if (!isRecurrentCell(cell)) {
    throw new Error(`network: ${cell} is not a recurrent stack (ml/simvp builds it)`)
  }
  if (config.imageHeight % p !== 0 || config.imageWidth % p !== 0) {
    throw new Error(
      `network: ${config.imageHeight}×${config.imageWidth} frames do not split into ${p}×${p} patches`,
    )
  }
  // "same" padding is symmetric only for odd kernels; PyTorch's padding=k//2 agrees only then.
  if (k % 2 !== 1) throw new Error(`network: kernelSize must be odd, got ${k}`)
  if (config.tmu && !options.cellFactory) {
    throw new Error('network: config.tmu is set but no TMU cell factory was given')
  }
  const factory = options.cellFactory ?? createBackboneCell(config)
  const frameChannels = p * p * config.channels
  const heightPatches = config.imageHeight / p
  const widthPatches = config.imageWidth / p
  if (config.cell === 'predrnnpp' && hidden.length < 2) {
    throw new Error(
      'network: predrnnpp puts its gradient highway between layers 1 and 2, needs ≥ 2',
    )
  }
  if (config.cell === 'mim' && hidden.length < 2) {
    throw new Error('network: mim starts its memory-in-memory blocks at layer 2, needs ≥ 2')
  }
  const { srSize } = mauOptionsOf(config)
  const reduction = config.cell === 'mau' ? srSize : 1
  if (heightPatches % reduction !== 0 || widthPatches % reduction !== 0) {
    throw new Error(
      `network: mau's ${heightPatches}×${widthPatches} patched grid does not reduce by srSize ${srSize}`,
    )
  }
  const cellGrid = [heightPatches / reduction, widthPatches / reduction] as const
  const params = createParamStore(createRng(options.seed), options.trainable ?? true)

  try {
    const highway =
      config.cell === 'predrnnpp'
        ? createGradientHighway(
            {
              channels: hidden[0] as number,
              kernelSize: k,
              heightPatches,
              widthPatches,
              layerNorm: config.layerNorm,
            },
            params.builder.scoped('gradient_highway.'),
          )
        : null
    const cells = hidden.map((hiddenChannels, index) => {
      const spec: LayerSpec = {
        index,
        inChannels:
          index > 0
            ? (hidden[index - 1] as number)
            : config.cell === 'mau'
              ? hiddenChannels
              : frameChannels,
        hiddenChannels,
        kernelSize: k,
        heightPatches: cellGrid[0],
        widthPatches: cellGrid[1],
        layerNorm: config.layerNorm,
      }
      return factory(spec, params.builder.scoped(`${LAYER_SCOPE[cell]}${index}.`), params.builder)
    })
    const zigzagWidths = new Set(
      cells.flatMap((c) => (c.zigzagChannels === null ? [] : [c.zigzagChannels])),
    )
    if (zigzagWidths.size > 1) {
      // M passes through every layer unchanged in width (the release requires equal hidden sizes).
      throw new Error(`network: zig-zag memory needs one width, got hidden [${hidden.join(', ')}]`)
    }
    const topChannels = hidden[hidden.length - 1] as number
    const codec =
      config.cell === 'mau'
        ? createMauCodec(
            { frameChannels, bottomChannels: hidden[0] as number, topChannels, srSize },
            params.builder,
          )
        : config.cell === 'e3d'
          ? createE3dHead(params.builder, topChannels, frameChannels, e3dOptionsOf(config).window)
          : createHeadCodec(params.builder, topChannels, frameChannels)
    const adapter =
      config.cell === 'predrnnv2'
        ? params.builder.convWeight('adapter.weight', 1, hidden[0] as number, hidden[0] as number)
        : null
    return {
      config,
      params,
      cells,
      highway,
      codec,
      adapter,
      frameChannels,
      heightPatches,
      widthPatches,
      cellGrid,
      dispose: () => params.dispose(),
    }
  } catch (error) {
    params.dispose()
    throw error
  }
}

export function zeroNetworkState(net: PredictiveNetwork, batch: number): NetworkState {
  const zigzagChannels = net.cells.find((c) => c.zigzagChannels !== null)?.zigzagChannels ?? null
  const grid = [batch, ...net.cellGrid] as const
  return {
    layers: net.cells.map((cell) => cell.zeroState(batch)),
    zigzag: zigzagChannels === null ? null : tf.zeros([...grid, zigzagChannels]),
    highway: net.highway ? tf.zeros([...grid, net.highway.channels]) : null,
  }
}

/** What one step of the stack leaves: the state for the next step and the guessed frame. */
export interface NetworkStep {
  readonly state: NetworkState
  readonly guess: tf.Tensor4D
  /**
   * zigzagByLayer[l]: the M layer l handed on this step (the top's is `state.zigzag`), null
   * for a cell without M; what a TMU source's memory bank records under `tmu.transferM`.
   */
  readonly zigzagByLayer: readonly (tf.Tensor4D | null)[]
}

/**
 * One step of the stack: the patched frame `x` [B, h, w, p·p·C] is encoded (MAU) and goes up
 * through the layers, M zig-zags (a cell without M passes it through), the GHU (if any) turns
 * layer 1's H into the Z layer 2 reads, and the codec's head guesses the next patched frame.
 * No tidy of its own: each cell step tidies its intermediates and the rest is kept state.
 */
export function stepNetwork(
  net: PredictiveNetwork,
  x: tf.Tensor4D,
  prev: NetworkState,
  mode: StepMode = ROLLOUT,
): NetworkStep {
  let input = net.codec.encode(x)
  let zigzag = prev.zigzag
  let highway = prev.highway
  let fromBelow: tf.Tensor4D | null = null
  const zigzagByLayer: (tf.Tensor4D | null)[] = []
  const layers = net.cells.map((cell, l) => {
    const out = cell.step(input, prev.layers[l] as LayerState, zigzag, fromBelow, mode)
    zigzagByLayer.push(out.zigzag ?? null)
    zigzag = out.zigzag ?? zigzag
    fromBelow = out.upward ?? null
    input = out.state.h
    if (l === 0 && net.highway && highway) {
      highway = highwayStep(net.highway, input, highway)
      input = highway
    }
    return out.state
  })
  const guess = net.codec.decode(input)
  return { state: { layers, zigzag, highway }, guess, zigzagByLayer }
}

/** Scalar parameters of a network (the paper's ConvLSTM: 2 971 648). */
export function countParams(net: PredictiveNetwork): number {
  return net.params.countParams()
}
