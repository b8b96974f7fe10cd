import * as tf from '@tensorflow/tfjs'
import { CONV_LSTM_GATES, CONV_LSTM_GATES_GRAD } from '../fused/conv-lstm-gates'
import {
  LSTM_OUTPUT,
  LSTM_OUTPUT_GRAD,
  ST_LSTM_MEMORIES,
  ST_LSTM_MEMORIES_GRAD,
} from '../fused/st-lstm-pointwise'
import { LAYER_NORM, LAYER_NORM_GRAD } from '../fused/layer-norm'
import {
  GROUP_NORM_SILU,
  GROUP_NORM_SILU_GRAD,
  type GroupNormAttrs,
} from '../fused/group-norm-silu'
import type { OneDnnAddon } from './onednn-addon'
import { assertFloat32, Heap, type KernelCall, type KernelFunc } from './onednn-heap'

/**
 * The fused cell kernels of the onednn backend (ml/fused/*: what they compute and why they
 * exist), each a single pass of the addon over the heap. Shapes are checked here, so a
 * mismatch is an error naming the kernel instead of memory read out of bounds.
 */

/** [..., C] as positions × C. */
function positionsAndChannels(t: tf.TensorInfo) {
  const channels = t.shape[t.shape.length - 1] ?? 0
  return { positions: tf.util.sizeFromShape(t.shape) / Math.max(channels, 1), channels }
}

/** Checks float32, and that `gates` is `state` with `groups` times the channels. */
function assertGroups(
  kernel: string,
  state: tf.TensorInfo,
  named: Record<string, [tf.TensorInfo, number]>,
) {
  assertFloat32(kernel, state, ...Object.values(named).map(([t]) => t))
  const channels = state.shape[state.shape.length - 1] ?? 0
  for (const [name, [t, groups]] of Object.entries(named)) {
    const expected = [...state.shape.slice(0, -1), groups * channels]
    if (!tf.util.arraysEqual(t.shape, expected)) {
      throw new Error(
        `onednn ${kernel}: ${name} [${t.shape}] do not match the state [${state.shape}] (expected [${expected}])`,
      )
    }
  }
}

export function createCellKernels(addon: OneDnnAddon): Map<string, KernelFunc> {
  const convLstmGates = ({ inputs, backend }: KernelCall) => {
    const { gates, cPrev } = inputs as Record<'gates' | 'cPrev', tf.TensorInfo>
    assertGroups(CONV_LSTM_GATES, cPrev, { gates: [gates, 4] })
    const heap = Heap.of(backend)
    const [c, h] = [heap.output(cPrev.shape), heap.output(cPrev.shape)]
    heap.run(addon, 'convLstmGates', positionsAndChannels(cPrev), { gates, cPrev, c, h })
    return [c, h]
  }

  const convLstmGatesGrad = ({ inputs, backend }: KernelCall) => {
    const { gates, cPrev, dc, dh } = inputs as Record<
      'gates' | 'cPrev' | 'dc' | 'dh',
      tf.TensorInfo
    >
    assertGroups(CONV_LSTM_GATES_GRAD, cPrev, { gates: [gates, 4], dc: [dc, 1], dh: [dh, 1] })
    const heap = Heap.of(backend)
    const [dGates, dcPrev] = [heap.output(gates.shape), heap.output(cPrev.shape)]
    const tensors = { gates, cPrev, dc, dh, dGates, dcPrev }
    heap.run(addon, 'convLstmGatesGrad', positionsAndChannels(cPrev), tensors)
    return [dGates, dcPrev]
  }

  type MemoryInputs = Record<'xGates' | 'hGates' | 'mGates' | 'cPrev' | 'mPrev', tf.TensorInfo>

  const checkMemoryInputs = (
    kernel: string,
    i: MemoryInputs,
    extra: Record<string, tf.TensorInfo> = {},
  ) =>
    assertGroups(kernel, i.cPrev, {
      xGates: [i.xGates, 7],
      hGates: [i.hGates, 4],
      mGates: [i.mGates, 3],
      mPrev: [i.mPrev, 1],
      ...Object.fromEntries(
        Object.entries(extra).map(([k, t]) => [k, [t, 1] as [tf.TensorInfo, number]]),
      ),
    })

  const stLstmMemories = ({ inputs, backend, attrs }: KernelCall) => {
    const i = inputs as MemoryInputs
    checkMemoryInputs(ST_LSTM_MEMORIES, i)
    const heap = Heap.of(backend)
    const [c, m, oPartial] = [0, 1, 2].map(() => heap.output(i.cPrev.shape)) as [
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
    ]
    const { forgetBias } = attrs as { forgetBias: number }
    heap.run(
      addon,
      'stLstmMemories',
      { ...positionsAndChannels(i.cPrev), forgetBias },
      { ...i, c, m, oPartial },
    )
    return [c, m, oPartial]
  }

  const stLstmMemoriesGrad = ({ inputs, backend, attrs }: KernelCall) => {
    const i = inputs as MemoryInputs & Record<'dc' | 'dm' | 'dOPartial', tf.TensorInfo>
    checkMemoryInputs(ST_LSTM_MEMORIES_GRAD, i, { dc: i.dc, dm: i.dm, dOPartial: i.dOPartial })
    const heap = Heap.of(backend)
    const outputs = [i.xGates, i.hGates, i.mGates, i.cPrev, i.mPrev].map((t) =>
      heap.output(t.shape),
    )
    const [dxGates, dhGates, dmGates, dcPrev, dmPrev] = outputs as [
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
      tf.TensorInfo,
    ]
    const { forgetBias } = attrs as { forgetBias: number }
    heap.run(
      addon,
      'stLstmMemoriesGrad',
      { ...positionsAndChannels(i.cPrev), forgetBias },
      { ...i, dxGates, dhGates, dmGates, dcPrev, dmPrev },
    )
    return outputs
  }

  const lstmOutput = ({ inputs, backend }: KernelCall) => {
    const { oPartial, oConv, cellConv } = inputs as Record<
      'oPartial' | 'oConv' | 'cellConv',
      tf.TensorInfo
    >
    assertGroups(LSTM_OUTPUT, oPartial, { oConv: [oConv, 1], cellConv: [cellConv, 1] })
    const heap = Heap.of(backend)
    const h = heap.output(oPartial.shape)
    const size = tf.util.sizeFromShape(oPartial.shape)
    heap.run(addon, 'lstmOutput', { size }, { a: oPartial, b: oConv, l: cellConv, h })
    return h
  }

  const lstmOutputGrad = ({ inputs, backend }: KernelCall) => {
    const { oPartial, oConv, cellConv, dh } = inputs as Record<
      'oPartial' | 'oConv' | 'cellConv' | 'dh',
      tf.TensorInfo
    >
    assertGroups(LSTM_OUTPUT_GRAD, oPartial, {
      oConv: [oConv, 1],
      cellConv: [cellConv, 1],
      dh: [dh, 1],
    })
    const heap = Heap.of(backend)
    const [dPre, dl] = [heap.output(oPartial.shape), heap.output(oPartial.shape)]
    const size = tf.util.sizeFromShape(oPartial.shape)
    heap.run(
      addon,
      'lstmOutputGrad',
      { size },
      { a: oPartial, b: oConv, l: cellConv, dh, dPre, dl },
    )
    return [dPre, dl]
  }

  /** x [B, ...] as B rows; gamma and beta must hold one row's values. */
  const rowsOf = (kernel: string, x: tf.TensorInfo, params: tf.TensorInfo[]) => {
    assertFloat32(kernel, x, ...params)
    const rows = x.shape[0] ?? 0
    const width = tf.util.sizeFromShape(x.shape.slice(1))
    for (const p of params) {
      if (tf.util.sizeFromShape(p.shape) !== width) {
        throw new Error(
          `onednn ${kernel}: [${p.shape}] does not fit samples of [${x.shape.slice(1)}]`,
        )
      }
    }
    return { rows, width }
  }

  const layerNorm = ({ inputs, backend, attrs }: KernelCall) => {
    const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>
    const { rows, width } = rowsOf(LAYER_NORM, x, [gamma, beta])
    const heap = Heap.of(backend)
    const [y, mean, variance] = [heap.output(x.shape), heap.output([rows]), heap.output([rows])]
    const { epsilon } = attrs as { epsilon: number }
    heap.run(addon, 'layerNorm', { rows, width, epsilon }, { x, gamma, beta, y, mean, variance })
    return [y, mean, variance]
  }

  const layerNormGrad = ({ inputs, backend, attrs }: KernelCall) => {
    const i = inputs as Record<'x' | 'gamma' | 'beta' | 'mean' | 'variance' | 'dy', tf.TensorInfo>
    const { rows, width } = rowsOf(LAYER_NORM_GRAD, i.x, [i.gamma, i.beta])
    assertFloat32(LAYER_NORM_GRAD, i.mean, i.variance, i.dy)
    const statistics = [i.mean, i.variance].map((t) => tf.util.sizeFromShape(t.shape))
    if (!tf.util.arraysEqual(i.dy.shape, i.x.shape) || statistics.some((n) => n !== rows)) {
      throw new Error(
        `onednn ${LAYER_NORM_GRAD}: dy, mean or variance do not match x [${i.x.shape}]`,
      )
    }
    const heap = Heap.of(backend)
    const [dx, dGamma, dBeta] = [
      heap.output(i.x.shape),
      heap.output(i.gamma.shape),
      heap.output(i.gamma.shape),
    ]
    const { epsilon } = attrs as { epsilon: number }
    heap.run(addon, 'layerNormGrad', { rows, width, epsilon }, { ...i, dx, dGamma, dBeta })
    return [dx, dGamma, dBeta]
  }

  /** x [B, H, W, C] as B samples of positions × C; gamma and beta [C]; C a multiple of groups. */
  const groupNormShape = (
    kernel: string,
    x: tf.TensorInfo,
    params: tf.TensorInfo[],
    groups: number,
  ) => {
    assertFloat32(kernel, x, ...params)
    const [batch = 0, height = 0, width = 0, channels = 0] = x.shape
    if (x.shape.length !== 4 || groups <= 0 || channels % groups !== 0) {
      throw new Error(
        `onednn ${kernel}: x [${x.shape}] is not NHWC with channels in ${groups} groups`,
      )
    }
    for (const p of params) {
      if (!tf.util.arraysEqual(p.shape, [channels])) {
        throw new Error(
          `onednn ${kernel}: [${p.shape}] is not one value per channel of x [${x.shape}]`,
        )
      }
    }
    return { batch, positions: height * width, channels, groups }
  }

  const groupNormSilu = ({ inputs, backend, attrs }: KernelCall) => {
    const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>
    const { groups, epsilon } = attrs as unknown as GroupNormAttrs
    const shape = groupNormShape(GROUP_NORM_SILU, x, [gamma, beta], groups)
    const heap = Heap.of(backend)
    const perGroup = [shape.batch, groups]
    const [y, mean, variance] = [heap.output(x.shape), heap.output(perGroup), heap.output(perGroup)]
    heap.run(addon, 'groupNormSilu', { ...shape, epsilon }, { x, gamma, beta, y, mean, variance })
    return [y, mean, variance]
  }

  const groupNormSiluGrad = ({ inputs, backend, attrs }: KernelCall) => {
    const i = inputs as Record<'x' | 'gamma' | 'beta' | 'mean' | 'variance' | 'dy', tf.TensorInfo>
    const { groups, epsilon } = attrs as unknown as GroupNormAttrs
    const shape = groupNormShape(GROUP_NORM_SILU_GRAD, i.x, [i.gamma, i.beta], groups)
    assertFloat32(GROUP_NORM_SILU_GRAD, i.mean, i.variance, i.dy)
    const statistics = [i.mean, i.variance].map((t) => tf.util.sizeFromShape(t.shape))
    if (
      !tf.util.arraysEqual(i.dy.shape, i.x.shape) ||
      statistics.some((n) => n !== shape.batch * groups)
    ) {
      throw new Error(
        `onednn ${GROUP_NORM_SILU_GRAD}: dy, mean or variance do not match x [${i.x.shape}]`,
      )
    }
    const heap = Heap.of(backend)
    const [dx, dGamma, dBeta] = [
      heap.output(i.x.shape),
      heap.output(i.gamma.shape),
      heap.output(i.gamma.shape),
    ]
    heap.run(addon, 'groupNormSiluGrad', { ...shape, epsilon }, { ...i, dx, dGamma, dBeta })
    return [dx, dGamma, dBeta]
  }

  return new Map<string, KernelFunc>([
    [LAYER_NORM, layerNorm],
    [GROUP_NORM_SILU, groupNormSilu],
    [GROUP_NORM_SILU_GRAD, groupNormSiluGrad],
    [LAYER_NORM_GRAD, layerNormGrad],
    [CONV_LSTM_GATES, convLstmGates],
    [CONV_LSTM_GATES_GRAD, convLstmGatesGrad],
    [ST_LSTM_MEMORIES, stLstmMemories],
    [ST_LSTM_MEMORIES_GRAD, stLstmMemoriesGrad],
    [LSTM_OUTPUT, lstmOutput],
    [LSTM_OUTPUT_GRAD, lstmOutputGrad],
  ])
}
