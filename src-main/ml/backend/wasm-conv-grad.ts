import * as tf from '@tensorflow/tfjs'

/**
 * Convolution gradients for the wasm backend, built from its own forward kernels.
 *
 * tfjs-backend-wasm 4.22 has no `Conv2DBackpropFilter` (training falls over) and a slow
 * `Conv2DBackpropInput`. For stride 1, dilation 1, NHWC, both gradients are themselves
 * convolutions, which XNNPACK runs at full speed (compute-notes.md):
 *
 * - filter: dW[a,b,i,o] = Σ_{n,y,x} Xpad[n, s·y+a, s·x+b, i] · dY[n,y,x,o], a convolution of
 *   the input with channels moved to batch ([Cin,H,W,N]) by dY as filter ([Ho,Wo,N,Cout]),
 *   dilated by the forward stride s and padded as the forward pass was; its output
 *   [Cin,≥kh,≥kw,Cout] is cut to the kernel (a strided pass may leave rows it never read)
 *   and transposed to the filter. MAU's stride-2 encoder and decoder need the strided case.
 * - input: dX is dY convolved with the filter reversed in space and transposed in/out
 *   ([kh,kw,Cout,Cin]), padded by (k−1−pad) on each side so the forward padding is undone.
 *
 * The input gradient of a strided convolution, and other dilations or layouts (our models
 * use none), go to the stock kernel for the input gradient; the filter gradient fails on
 * them with a clear message.
 */

const BACKEND = 'wasm'

type Padding = [[number, number], [number, number], [number, number], [number, number]]

interface KernelCall {
  readonly inputs: tf.NamedTensorInfoMap
  readonly backend: tf.KernelBackend
  readonly attrs?: tf.NamedAttrMap
}

type KernelFunc = (call: KernelCall) => tf.TensorInfo

function wasmKernel(name: string): KernelFunc {
  const kernel = tf.getKernel(name, BACKEND)
  if (!kernel) throw new Error(`wasm backend has no ${name} kernel`)
  return kernel.kernelFunc as KernelFunc
}

/** Runs one of the backend's own kernels on TensorInfos (no tape, no tensors created). */
function run(
  name: string,
  backend: tf.KernelBackend,
  inputs: tf.NamedTensorInfoMap,
  attrs: object,
) {
  return wasmKernel(name)({ inputs, backend, attrs: attrs as tf.NamedAttrMap })
}

function transpose(backend: tf.KernelBackend, x: tf.TensorInfo, perm: number[]) {
  return run(tf.Transpose, backend, { x }, { perm })
}

function conv(
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  pad: Padding,
  dilations: [number, number] = [1, 1],
) {
  return run(tf.Conv2D, backend, { x, filter }, { strides: 1, pad, dataFormat: 'NHWC', dilations })
}

interface ConvAttrs {
  readonly strides: [number, number] | number
  readonly pad: tf.Conv2DBackpropFilterAttrs['pad']
  readonly dataFormat: 'NHWC' | 'NCHW'
  readonly dimRoundingMode?: 'floor' | 'round' | 'ceil'
}

type ConvInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>

/** The forward convolution's geometry, or why these kernels cannot compute its gradient. */
function forwardConv(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
): { info: ConvInfo } | { unsupported: string } {
  if (attrs.dataFormat !== 'NHWC') return { unsupported: `dataFormat ${attrs.dataFormat}` }
  const info = tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  const { top, bottom, left, right } = info.padInfo
  // The input gradient pads by k−1−pad, which must not be negative.
  if (Math.max(top, bottom) >= info.filterHeight || Math.max(left, right) >= info.filterWidth) {
    return { unsupported: 'padding wider than the kernel' }
  }
  return { info }
}

function filterGradient({ inputs, backend, attrs }: KernelCall): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
  const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs
  const geometry = forwardConv(x.shape as [number, number, number, number], a.filterShape, a)
  if ('unsupported' in geometry) {
    throw new Error(
      `wasm Conv2DBackpropFilter: only NHWC, padding within the kernel is supported (got ${geometry.unsupported})`,
    )
  }
  const { padInfo, strideHeight, strideWidth, filterHeight: kh, filterWidth: kw } = geometry.info
  const { top, bottom, left, right } = padInfo
  const xChannelsAsBatch = transpose(backend, x, [3, 1, 2, 0])
  const dyAsFilter = transpose(backend, dy, [1, 2, 0, 3])
  const pad: Padding = [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]
  const wide = conv(backend, xChannelsAsBatch, dyAsFilter, pad, [strideHeight, strideWidth])
  const [cin, , , cout] = wide.shape as [number, number, number, number]
  const dwInKKOut = run(
    tf.Slice,
    backend,
    { x: wide },
    { begin: [0, 0, 0, 0], size: [cin, kh, kw, cout] },
  )
  const dw = transpose(backend, dwInKKOut, [1, 2, 0, 3])
  for (const t of [xChannelsAsBatch, dyAsFilter, wide, dwInKKOut]) backend.disposeData(t.dataId)
  return dw
}

function createInputGradient(stock: KernelFunc | null): KernelFunc {
  return (call) => {
    const { dy, filter } = call.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo }
    const a = call.attrs as unknown as tf.Conv2DBackpropInputAttrs
    const geometry = forwardConv(a.inputShape, filter.shape as [number, number, number, number], a)
    const why =
      'unsupported' in geometry
        ? geometry.unsupported
        : geometry.info.strideHeight > 1 || geometry.info.strideWidth > 1
          ? 'stride above 1'
          : null
    if (why !== null || 'unsupported' in geometry) {
      if (stock) return stock(call)
      throw new Error(`wasm Conv2DBackpropInput: unsupported ${why}`)
    }
    const { filterHeight: kh, filterWidth: kw, padInfo } = geometry.info
    const { backend } = call
    const flipped = run(tf.Reverse, backend, { x: filter }, { dims: [0, 1] })
    const flippedOutIn = transpose(backend, flipped, [0, 1, 3, 2])
    const dx = conv(backend, dy, flippedOutIn, [
      [0, 0],
      [kh - 1 - padInfo.top, kh - 1 - padInfo.bottom],
      [kw - 1 - padInfo.left, kw - 1 - padInfo.right],
      [0, 0],
    ])
    for (const t of [flipped, flippedOutIn]) backend.disposeData(t.dataId)
    return dx
  }
}

let registered = false

/**
 * Registers both gradient kernels for the wasm backend, once per process: later calls are
 * no-ops, so they never put these back under the onednn backend's replacements. Call once
 * the wasm backend is initialised (the stock kernel we fall back on needs its setup).
 */
export function registerWasmConvGradKernels(): void {
  if (registered) return
  const current = tf.getKernel(tf.Conv2DBackpropInput, BACKEND)
  const stockInput = current ? (current.kernelFunc as KernelFunc) : null
  if (current) tf.unregisterKernel(tf.Conv2DBackpropInput, BACKEND)
  if (tf.getKernel(tf.Conv2DBackpropFilter, BACKEND)) {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, BACKEND)
  }
  const inputGradient = createInputGradient(stockInput)
  for (const [kernelName, kernelFunc] of [
    [tf.Conv2DBackpropFilter, filterGradient],
    [tf.Conv2DBackpropInput, inputGradient],
  ] as const) {
    tf.registerKernel({ kernelName, backendName: BACKEND, kernelFunc: kernelFunc as tf.KernelFunc })
  }
  registered = true
}
