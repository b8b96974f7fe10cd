import * as tf from '@tensorflow/tfjs'
import { CONV_LSTM_GATES, CONV_LSTM_GATES_GRAD } from '../fused/conv-lstm-gates'
import type { OneDnnAddon } from './onednn-addon'

/**
 * Kernels of the onednn backend: the wasm backend with its convolutions (forward and both
 * gradients) run by oneDNN on the same heap, so no tensor is copied. oneDNN is what PyTorch
 * uses on CPU; wasm convolutions reach a quarter of its speed here (compute-notes.md).
 *
 * Split, unstack and concat are replaced too: the recurrent cells split every gate
 * convolution and their gradients concatenate the parts, and wasm copies those value by
 * value (PredRNN 4×32, batch 8: 1.06 s of a 4.5 s iteration in SplitV alone). Here they
 * are row copies. ConvLSTM's gate arithmetic runs as one fused pass each way.
 */

const BACKEND = 'wasm'

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmBackend extends tf.KernelBackend {
  readonly wasm: { readonly wasmMemory: { readonly buffer: ArrayBufferLike } }
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
}

interface KernelCall {
  readonly inputs: tf.NamedTensorInfoMap
  readonly backend: tf.KernelBackend
  readonly attrs?: tf.NamedAttrMap
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>

/** The addon's 17-number geometry, in the order of native/onednn/src/convolution.h. */
function geometryOf(info: ConvInfo): number[] {
  const p = info.padInfo
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    p.top,
    p.left,
    p.bottom,
    p.right,
  ]
}

class Heap {
  private view: Uint8Array | null = null

  constructor(private readonly backend: WasmBackend) {}

  /** The whole heap; re-viewed after the memory grows (growth swaps the buffer). */
  bytes(): Uint8Array {
    const buffer = this.backend.wasm.wasmMemory.buffer
    if (this.view === null || this.view.buffer !== buffer) this.view = new Uint8Array(buffer)
    return this.view
  }

  offset(t: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(t.dataId)
    if (!data) throw new Error('onednn: tensor is not on the wasm backend')
    return data.memoryOffset
  }
}

interface ConvAttrs {
  readonly strides: [number, number] | number
  readonly pad: tf.Conv2DAttrs['pad']
  readonly dataFormat: 'NHWC' | 'NCHW'
  readonly dilations: [number, number] | number
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

function convInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
  kernel: string,
): ConvInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`onednn ${kernel}: only NHWC is supported`)
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
}

/**
 * Refuses a geometry whose output size tfjs and oneDNN compute differently. They agree on
 * every 'same' and 'valid' convolution; tfjs sizes a numeric pad with unequal strides by the
 * first stride alone (its cpu and wasm backends then disagree with each other too).
 */
function assertOneDnnAgrees(info: ConvInfo, kernel: string): void {
  const extent = (size: number, k: number, d: number, padA: number, padB: number, s: number) =>
    Math.floor((size - ((k - 1) * d + 1) + padA + padB) / s) + 1
  const p = info.padInfo
  const height = extent(
    info.inHeight,
    info.filterHeight,
    info.dilationHeight,
    p.top,
    p.bottom,
    info.strideHeight,
  )
  const width = extent(
    info.inWidth,
    info.filterWidth,
    info.dilationWidth,
    p.left,
    p.right,
    info.strideWidth,
  )
  if (height !== info.outHeight || width !== info.outWidth) {
    throw new Error(
      `onednn ${kernel}: tfjs expects a ${info.outHeight}×${info.outWidth} output where the convolution gives ${height}×${width}; use 'same' or 'valid' padding`,
    )
  }
}

function assertFloat32(kernel: string, ...tensors: tf.TensorInfo[]) {
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`onednn ${kernel}: expected float32, got ${t.dtype}`)
  }
}

type KernelFunc = (call: KernelCall) => tf.TensorInfo

/** wasm's own kernel, for inputs the replacement does not handle (other dtypes). */
function fallback(kernelName: string, call: KernelCall): tf.TensorInfo {
  const kernel = replaced.get(kernelName)
  if (!kernel) throw new Error(`onednn ${kernelName}: no wasm kernel to fall back on`)
  return (kernel.kernelFunc as KernelFunc)(call)
}

function createKernels(addon: OneDnnAddon): Map<string, KernelFunc> {
  let heap: Heap | null = null
  const heapOf = (backend: tf.KernelBackend) => {
    if (heap === null) heap = new Heap(backend as WasmBackend)
    return heap
  }

  const conv2d = (call: KernelCall): tf.TensorInfo => {
    const { inputs, backend, attrs } = call
    const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo }
    assertFloat32(tf.Conv2D, x, filter)
    const info = convInfo(x.shape, filter.shape, attrs as unknown as ConvAttrs, tf.Conv2D)
    assertOneDnnAgrees(info, tf.Conv2D)
    const h = heapOf(backend)
    const y = (backend as WasmBackend).makeOutput(info.outShape, 'float32')
    addon.convForward(h.bytes(), geometryOf(info), h.offset(x), h.offset(filter), h.offset(y))
    return y
  }

  const inputGradient = (call: KernelCall): tf.TensorInfo => {
    const { inputs, backend, attrs } = call
    const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
    assertFloat32(tf.Conv2DBackpropInput, dy, filter)
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & ConvAttrs
    const info = convInfo(a.inputShape, filter.shape, a, tf.Conv2DBackpropInput)
    assertOneDnnAgrees(info, tf.Conv2DBackpropInput)
    const h = heapOf(backend)
    const dx = (backend as WasmBackend).makeOutput(info.inShape, 'float32')
    addon.convBackwardInput(
      h.bytes(),
      geometryOf(info),
      h.offset(dy),
      h.offset(filter),
      h.offset(dx),
    )
    return dx
  }

  const filterGradient = (call: KernelCall): tf.TensorInfo => {
    const { inputs, backend, attrs } = call
    const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
    assertFloat32(tf.Conv2DBackpropFilter, x, dy)
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & ConvAttrs
    const info = convInfo(x.shape, a.filterShape, a, tf.Conv2DBackpropFilter)
    assertOneDnnAgrees(info, tf.Conv2DBackpropFilter)
    const h = heapOf(backend)
    const dw = (backend as WasmBackend).makeOutput(info.filterShape, 'float32')
    addon.convBackwardFilter(h.bytes(), geometryOf(info), h.offset(x), h.offset(dy), h.offset(dw))
    return dw
  }

  /** Tensors of 4-byte values the row copy can move, or null to use wasm's kernel. */
  const copyable = (tensors: readonly tf.TensorInfo[]) =>
    tensors.every((t) => t.dtype === 'float32' || t.dtype === 'int32') &&
    tensors.every((t) => t.dtype === tensors[0]?.dtype)

  // Along `axis`, a tensor is rows (the axes before it) of contiguous blocks (the rest).
  const rowsBefore = (shape: readonly number[], axis: number) =>
    shape.slice(0, axis).reduce((a, b) => a * b, 1)
  const blockWidth = (shape: readonly number[], axis: number) =>
    shape.slice(axis).reduce((a, b) => a * b, 1)

  const splitV = (call: KernelCall): tf.TensorInfo[] => {
    const { inputs, backend, attrs } = call
    const { x } = inputs as { x: tf.TensorInfo }
    if (!copyable([x])) return fallback(tf.SplitV, call) as unknown as tf.TensorInfo[]
    const a = attrs as unknown as tf.SplitVAttrs
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0] ?? 0
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis)
    const h = heapOf(backend)
    const rows = rowsBefore(x.shape, axis)
    const inWidth = blockWidth(x.shape, axis)
    let start = 0
    return sizes.map((size) => {
      const shape = [...x.shape]
      shape[axis] = size
      const part = (backend as WasmBackend).makeOutput(shape, x.dtype)
      const width = blockWidth(shape, axis)
      if (rows * width > 0) {
        addon.copyBlocks(
          h.bytes(),
          rows,
          width,
          h.offset(x) + start * 4,
          inWidth,
          h.offset(part),
          width,
        )
      }
      start += width
      return part
    })
  }

  const concat = (call: KernelCall): tf.TensorInfo => {
    const { backend, attrs } = call
    const parts = (call.inputs as unknown as tf.TensorInfo[]).filter(
      (t) => tf.util.sizeFromShape(t.shape) > 0,
    )
    const first = parts[0]
    if (!first || !copyable(parts)) return fallback(tf.Concat, call)
    const axis =
      tf.util.parseAxisParam((attrs as unknown as tf.ConcatAttrs).axis, first.shape)[0] ?? 0
    const shape = tf.backend_util.computeOutShape(
      parts.map((t) => t.shape),
      axis,
    )
    const out = (backend as WasmBackend).makeOutput(shape, first.dtype)
    const h = heapOf(backend)
    const rows = rowsBefore(shape, axis)
    const outWidth = blockWidth(shape, axis)
    let start = 0
    for (const part of parts) {
      const width = blockWidth(part.shape, axis)
      addon.copyBlocks(
        h.bytes(),
        rows,
        width,
        h.offset(part),
        width,
        h.offset(out) + start * 4,
        outWidth,
      )
      start += width
    }
    return out
  }

  const unpack = (call: KernelCall): tf.TensorInfo[] => {
    const { inputs, backend, attrs } = call
    const { value } = inputs as { value: tf.TensorInfo }
    if (!copyable([value])) return fallback(tf.Unpack, call) as unknown as tf.TensorInfo[]
    const rank = value.shape.length
    const axis = (((attrs as unknown as tf.UnpackAttrs).axis % rank) + rank) % rank
    const h = heapOf(backend)
    const rows = rowsBefore(value.shape, axis)
    const width = blockWidth(value.shape, axis + 1)
    const count = value.shape[axis] ?? 0
    const shape = value.shape.filter((_, i) => i !== axis)
    return Array.from({ length: count }, (_, i) => {
      const item = (backend as WasmBackend).makeOutput(shape, value.dtype)
      if (rows * width > 0) {
        addon.copyBlocks(
          h.bytes(),
          rows,
          width,
          h.offset(value) + i * width * 4,
          count * width,
          h.offset(item),
          width,
        )
      }
      return item
    })
  }

  /** Leading dimensions of a [..., C] tensor as positions, and C. */
  const positionsAndChannels = (t: tf.TensorInfo) => {
    const channels = t.shape[t.shape.length - 1] ?? 0
    return { positions: tf.util.sizeFromShape(t.shape) / Math.max(channels, 1), channels }
  }

  const assertGateShapes = (kernel: string, gates: tf.TensorInfo, cPrev: tf.TensorInfo) => {
    assertFloat32(kernel, gates, cPrev)
    const expected = [...cPrev.shape.slice(0, -1), 4 * (cPrev.shape[cPrev.shape.length - 1] ?? 0)]
    if (!tf.util.arraysEqual(gates.shape, expected)) {
      throw new Error(
        `onednn ${kernel}: gates [${gates.shape}] do not match cPrev [${cPrev.shape}]`,
      )
    }
  }

  const lstmGates = ({ inputs, backend }: KernelCall): tf.TensorInfo[] => {
    const { gates, cPrev } = inputs as { gates: tf.TensorInfo; cPrev: tf.TensorInfo }
    assertGateShapes(CONV_LSTM_GATES, gates, cPrev)
    const { positions, channels } = positionsAndChannels(cPrev)
    const h = heapOf(backend)
    const make = () => (backend as WasmBackend).makeOutput([...cPrev.shape], 'float32')
    const [c, hidden] = [make(), make()]
    addon.convLstmGates(
      h.bytes(),
      positions,
      channels,
      h.offset(gates),
      h.offset(cPrev),
      h.offset(c),
      h.offset(hidden),
    )
    return [c, hidden]
  }

  const lstmGatesGrad = ({ inputs, backend }: KernelCall): tf.TensorInfo[] => {
    const { gates, cPrev, dc, dh } = inputs as Record<
      'gates' | 'cPrev' | 'dc' | 'dh',
      tf.TensorInfo
    >
    assertGateShapes(CONV_LSTM_GATES_GRAD, gates, cPrev)
    assertFloat32(CONV_LSTM_GATES_GRAD, dc, dh)
    const { positions, channels } = positionsAndChannels(cPrev)
    const h = heapOf(backend)
    const dGates = (backend as WasmBackend).makeOutput([...gates.shape], 'float32')
    const dCPrev = (backend as WasmBackend).makeOutput([...cPrev.shape], 'float32')
    addon.convLstmGatesGrad(
      h.bytes(),
      positions,
      channels,
      h.offset(gates),
      h.offset(cPrev),
      h.offset(dc),
      h.offset(dh),
      h.offset(dGates),
      h.offset(dCPrev),
    )
    return [dGates, dCPrev]
  }

  return new Map<string, KernelFunc>([
    [CONV_LSTM_GATES, lstmGates as unknown as KernelFunc],
    [CONV_LSTM_GATES_GRAD, lstmGatesGrad as unknown as KernelFunc],
    [tf.SplitV, splitV as unknown as KernelFunc],
    [tf.Unpack, unpack as unknown as KernelFunc],
    [tf.Concat, concat],
    [tf.Conv2D, conv2d],
    [tf.Conv2DBackpropInput, inputGradient],
    [tf.Conv2DBackpropFilter, filterGradient],
  ])
}

/** The wasm kernels we replaced, to put back when plain wasm is asked for again. */
const replaced = new Map<string, tf.KernelConfig | undefined>()
let kernels: Map<string, KernelFunc> | null = null

/** Runs the wasm backend's convolutions through oneDNN (idempotent). */
export function installOneDnnKernels(addon: OneDnnAddon): void {
  if (replaced.size > 0) return
  kernels ??= createKernels(addon)
  for (const [kernelName, kernelFunc] of kernels) {
    replaced.set(kernelName, tf.getKernel(kernelName, BACKEND))
    if (replaced.get(kernelName)) tf.unregisterKernel(kernelName, BACKEND)
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernelFunc as tf.KernelFunc })
  }
}

/** Puts the wasm backend's own kernels back (plain `wasm` after `onednn` in one process). */
export function removeOneDnnKernels(): void {
  for (const [kernelName, previous] of replaced) {
    tf.unregisterKernel(kernelName, BACKEND)
    if (previous) tf.registerKernel(previous)
  }
  replaced.clear()
}
