import { createRequire } from 'node:module'

/**
 * The `@tmu/onednn` Node-API addon (native/onednn): oneDNN convolutions and fused cell
 * kernels that work in place on the wasm backend's heap. It is an optional dependency built
 * at install against Debian's libdnnl-dev, so loading must explain what is missing.
 */

const PACKAGE = '@tmu/onednn'

/**
 * Tensors are byte offsets into `heap` (the wasm backend's memory); shapes are in `geometry`.
 * A filter token names the filter's values (Heap.token): the addon keeps the filter converted
 * to oneDNN's layout while the token repeats, as it does for every step of a forward pass.
 */
export interface OneDnnAddon {
  convForward(
    heap: Uint8Array,
    geometry: number[],
    x: number,
    filter: number,
    filterToken: number,
    y: number,
  ): void
  convBackwardInput(
    heap: Uint8Array,
    geometry: number[],
    dy: number,
    filter: number,
    filterToken: number,
    dx: number,
  ): void
  convBackwardFilter(
    heap: Uint8Array,
    geometry: number[],
    x: number,
    dy: number,
    dfilter: number,
  ): void
  /** ConvLSTM's pointwise step (ml/fused/conv-lstm-gates.ts) over positions × channels. */
  convLstmGates(
    heap: Uint8Array,
    positions: number,
    channels: number,
    gates: number,
    cPrev: number,
    c: number,
    h: number,
  ): void
  convLstmGatesGrad(
    heap: Uint8Array,
    positions: number,
    channels: number,
    gates: number,
    cPrev: number,
    dc: number,
    dh: number,
    dGates: number,
    dcPrev: number,
  ): void
  /** ST-LSTM's memory updates (ml/fused/st-lstm-pointwise.ts); outputs c, m, oPartial. */
  stLstmMemories(
    heap: Uint8Array,
    positions: number,
    channels: number,
    forgetBias: number,
    xGates: number,
    hGates: number,
    mGates: number,
    cPrev: number,
    mPrev: number,
    c: number,
    m: number,
    oPartial: number,
  ): void
  stLstmMemoriesGrad(
    heap: Uint8Array,
    positions: number,
    channels: number,
    forgetBias: number,
    xGates: number,
    hGates: number,
    mGates: number,
    cPrev: number,
    mPrev: number,
    dc: number,
    dm: number,
    dOPartial: number,
    dxGates: number,
    dhGates: number,
    dmGates: number,
    dcPrev: number,
    dmPrev: number,
  ): void
  /** h = σ(a + b)·tanh(l) over `size` values. */
  lstmOutput(heap: Uint8Array, size: number, a: number, b: number, l: number, h: number): void
  lstmOutputGrad(
    heap: Uint8Array,
    size: number,
    a: number,
    b: number,
    l: number,
    dh: number,
    dPre: number,
    dl: number,
  ): void
  /** Layer norm over rows of `width` values (ml/fused/layer-norm.ts); writes y, mean, variance. */
  layerNorm(
    heap: Uint8Array,
    rows: number,
    width: number,
    epsilon: number,
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
  ): void
  layerNormGrad(
    heap: Uint8Array,
    rows: number,
    width: number,
    epsilon: number,
    x: number,
    gamma: number,
    beta: number,
    mean: number,
    variance: number,
    dy: number,
    dx: number,
    dGamma: number,
    dBeta: number,
  ): void
  /** Row r's `width` 32-bit values from src + r·srcStride to dst + r·dstStride (values; offsets in bytes). */
  copyBlocks(
    heap: Uint8Array,
    rows: number,
    width: number,
    src: number,
    srcStride: number,
    dst: number,
    dstStride: number,
  ): void
  /** Which oneDNN implementation runs each direction, e.g. `brg:avx512_core`. */
  convImplementations(geometry: number[]): string
  version(): string
}

let cached: { addon: OneDnnAddon } | { error: string } | null = null

/** Turns a failed load of the addon into a sentence saying what to install. */
export function describeOneDnnLoadError(error: unknown): string {
  const failure = error as { code?: unknown; message?: unknown }
  const message = String(failure?.message ?? error).split('\n')[0] ?? ''
  if (failure?.code === 'MODULE_NOT_FOUND') {
    return `${PACKAGE} is not built: it needs oneDNN and a C++ compiler (\`apt-get install libdnnl-dev g++\`, then \`npm rebuild ${PACKAGE}\`)`
  }
  if (/libdnnl/.test(message)) {
    return `oneDNN's library is missing (\`apt-get install libdnnl-dev\`): ${message}`
  }
  return `${PACKAGE} failed to load: ${message}`
}

/** The addon, or why it cannot be used; loaded once per process. */
export function loadOneDnnAddon(): { addon: OneDnnAddon } | { error: string } {
  if (cached) return cached
  // OpenMP threads otherwise spin after each convolution and slow the wasm pool that runs
  // next (ConvLSTM 4×32 batch 8: 1.45 s per iteration passive, 1.71 s spinning). libgomp
  // reads this once, when the addon pulls it in.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE'
  try {
    cached = { addon: createRequire(import.meta.url)(PACKAGE) as OneDnnAddon }
  } catch (error) {
    cached = { error: describeOneDnnLoadError(error) }
  }
  return cached
}
