import * as tf from '@tensorflow/tfjs'
import type { OneDnnAddon } from './onednn-addon'
import type { ConvGeometry } from './onednn-kernel-table'
import { createCellKernels } from './onednn-cell-kernels'
import {
  DEPTHWISE_CONV,
  depthwiseKernelAttrs,
  type DepthwiseConvAttrs,
} from '../fused/depthwise-conv'
import { assertFloat32, Heap, type KernelCall, type KernelFunc } from './onednn-heap'

/**
 * Kernels of the onednn backend: the wasm backend with its convolutions, ordinary and
 * depthwise (forward and both gradients), run by oneDNN on the same heap, so no tensor is
 * copied. oneDNN is what PyTorch
 * uses on CPU; wasm convolutions reach a quarter of its speed here (compute-notes.md).
 *
 * Split, unstack and concat are replaced too: the recurrent cells split every gate
 * convolution and their gradients concatenate the parts, and wasm copies those value by
 * value (PredRNN 4×32, batch 8: 1.06 s of a 4.5 s iteration in SplitV alone). Here they
 * are row copies. The cells' gate arithmetic runs fused (onednn-cell-kernels.ts).
 */

const BACKEND = 'wasm'

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>

/** The convolution kernels' dimensions (CONV_GEOMETRY in onednn-kernel-table.ts). */
function geometryOf(info: ConvInfo): ConvGeometry {
  const p = info.padInfo
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: p.top,
    padLeft: p.left,
    padBottom: p.bottom,
    padRight: p.right,
  }
}

interface ConvAttrs {
  readonly strides: [number, number] | number
  readonly pad: tf.Conv2DAttrs['pad']
  readonly dataFormat: 'NHWC' | 'NCHW'
  readonly dilations: [number, number] | number
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

/** A convolution's geometry; `depthwise` reads the filter as [kh, kw, in, multiplier]. */
function convInfo(
  inShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
  kernel: string,
  depthwise = false,
): ConvInfo {
  if (attrs.dataFormat === 'NCHW') throw new Error(`onednn ${kernel}: only NHWC is supported`)
  return tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
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

/** wasm's own kernel, for inputs the replacement does not handle (other dtypes). */
function fallback(kernelName: string, call: KernelCall): tf.TensorInfo | tf.TensorInfo[] {
  const kernel = replaced.get(kernelName)
  if (!kernel) throw new Error(`onednn ${kernelName}: no wasm kernel to fall back on`)
  return (kernel.kernelFunc as KernelFunc)(call)
}

function createKernels(addon: OneDnnAddon): Map<string, KernelFunc> {
  /**
   * A convolution's forward pass and both gradients, ordinary (tfjs's Conv2D kernels) or
   * depthwise (DepthwiseConv2dNative's, which oneDNN runs as a grouped convolution).
   */
  const convolution = (depthwise: boolean) => {
    const [forwardName, inputName, filterName] = depthwise
      ? [
          tf.DepthwiseConv2dNative,
          tf.DepthwiseConv2dNativeBackpropInput,
          tf.DepthwiseConv2dNativeBackpropFilter,
        ]
      : [tf.Conv2D, tf.Conv2DBackpropInput, tf.Conv2DBackpropFilter]
    const kernels = depthwise
      ? ({
          forward: 'depthwiseConvForward',
          input: 'depthwiseConvBackwardInput',
          filter: 'depthwiseConvBackwardFilter',
        } as const)
      : ({
          forward: 'convForward',
          input: 'convBackwardInput',
          filter: 'convBackwardFilter',
        } as const)
    const geometry = (
      inShape: readonly number[],
      filterShape: readonly number[],
      attrs: ConvAttrs,
      kernel: string,
    ) => {
      const info = convInfo(inShape, filterShape, attrs, kernel, depthwise)
      assertOneDnnAgrees(info, kernel)
      return info
    }

    const forward = (call: KernelCall): tf.TensorInfo => {
      const { inputs, backend, attrs } = call
      const { x, filter } = inputs as { x: tf.TensorInfo; filter: tf.TensorInfo }
      assertFloat32(forwardName, x, filter)
      const info = geometry(x.shape, filter.shape, attrs as unknown as ConvAttrs, forwardName)
      const h = Heap.of(backend)
      const y = h.output(info.outShape, 'float32')
      const numbers = { ...geometryOf(info), filterToken: h.token(filter) }
      h.run(addon, kernels.forward, numbers, { x, filter, y })
      return y
    }

    const inputGradient = (call: KernelCall): tf.TensorInfo => {
      const { inputs, backend, attrs } = call
      const { dy, filter } = inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
      assertFloat32(inputName, dy, filter)
      const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & ConvAttrs
      const info = geometry(a.inputShape, filter.shape, a, inputName)
      const h = Heap.of(backend)
      const dx = h.output(info.inShape, 'float32')
      const numbers = { ...geometryOf(info), filterToken: h.token(filter) }
      h.run(addon, kernels.input, numbers, { dy, filter, dx })
      return dx
    }

    const filterGradient = (call: KernelCall): tf.TensorInfo => {
      const { inputs, backend, attrs } = call
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
      assertFloat32(filterName, x, dy)
      const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & ConvAttrs
      const info = geometry(x.shape, a.filterShape, a, filterName)
      const h = Heap.of(backend)
      const dFilter = h.output(info.filterShape, 'float32')
      h.run(addon, kernels.filter, geometryOf(info), { x, dy, dFilter })
      return dFilter
    }

    return [
      [forwardName, forward],
      [inputName, inputGradient],
      [filterName, filterGradient],
    ] as const
  }
  const depthwise = convolution(true)
  // The models' dilated depthwise convolution (ml/fused/depthwise-conv.ts): tfjs's own
  // forward kernel, under a name whose gradient passes the dilation on.
  const depthwiseForward = depthwise[0][1]
  const dilatedDepthwise = (call: KernelCall) =>
    depthwiseForward({
      ...call,
      attrs: depthwiseKernelAttrs(call.attrs as unknown as DepthwiseConvAttrs),
    } as KernelCall)

  /** Tensors of 4-byte values the row copy can move, or null to use wasm's kernel. */
  const copyable = (tensors: readonly tf.TensorInfo[]) =>
    tensors.every((t) => t.dtype === 'float32' || t.dtype === 'int32') &&
    tensors.every((t) => t.dtype === tensors[0]?.dtype)

  // Along `axis`, a tensor is rows (the axes before it) of contiguous blocks (the rest).
  const rowsBefore = (shape: readonly number[], axis: number) =>
    shape.slice(0, axis).reduce((a, b) => a * b, 1)
  const blockWidth = (shape: readonly number[], axis: number) =>
    shape.slice(axis).reduce((a, b) => a * b, 1)

  const splitV = (call: KernelCall) => {
    const { inputs, backend, attrs } = call
    const { x } = inputs as { x: tf.TensorInfo }
    if (!copyable([x])) return fallback(tf.SplitV, call)
    const a = attrs as unknown as tf.SplitVAttrs
    const axis = tf.util.parseAxisParam(a.axis, x.shape)[0] ?? 0
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, a.numOrSizeSplits, axis)
    const h = Heap.of(backend)
    const rows = rowsBefore(x.shape, axis)
    const inWidth = blockWidth(x.shape, axis)
    let start = 0
    return sizes.map((size) => {
      const shape = [...x.shape]
      shape[axis] = size
      const part = h.output(shape, x.dtype)
      const width = blockWidth(shape, axis)
      if (rows * width > 0) {
        addon.copyBlocks(h.bytes(), {
          rows,
          width,
          src: h.offset(x) + start * 4,
          srcStride: inWidth,
          dst: h.offset(part),
          dstStride: width,
        })
      }
      start += width
      return part
    })
  }

  const concat = (call: KernelCall) => {
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
    const h = Heap.of(backend)
    const out = h.output(shape, first.dtype)
    const rows = rowsBefore(shape, axis)
    const outWidth = blockWidth(shape, axis)
    let start = 0
    for (const part of parts) {
      const width = blockWidth(part.shape, axis)
      addon.copyBlocks(h.bytes(), {
        rows,
        width,
        src: h.offset(part),
        srcStride: width,
        dst: h.offset(out) + start * 4,
        dstStride: outWidth,
      })
      start += width
    }
    return out
  }

  const unpack = (call: KernelCall) => {
    const { inputs, backend, attrs } = call
    const { value } = inputs as { value: tf.TensorInfo }
    if (!copyable([value])) return fallback(tf.Unpack, call)
    const rank = value.shape.length
    const axis = (((attrs as unknown as tf.UnpackAttrs).axis % rank) + rank) % rank
    const h = Heap.of(backend)
    const rows = rowsBefore(value.shape, axis)
    const width = blockWidth(value.shape, axis + 1)
    const count = value.shape[axis] ?? 0
    const shape = value.shape.filter((_, i) => i !== axis)
    return Array.from({ length: count }, (_, i) => {
      const item = h.output(shape, value.dtype)
      if (rows * width > 0) {
        addon.copyBlocks(h.bytes(), {
          rows,
          width,
          src: h.offset(value) + i * width * 4,
          srcStride: count * width,
          dst: h.offset(item),
          dstStride: width,
        })
      }
      return item
    })
  }

  return new Map<string, KernelFunc>([
    ...createCellKernels(addon),
    [tf.SplitV, splitV],
    [tf.Unpack, unpack],
    [tf.Concat, concat],
    ...convolution(false),
    ...depthwise,
    [DEPTHWISE_CONV, dilatedDepthwise],
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
