import { createRequire } from 'node:module'
import {
  describeKernelTableMismatch,
  type ConvGeometry,
  type KernelArgs,
  type KernelName,
} from './onednn-kernel-table'

/**
 * The `@tmu/onednn` Node-API addon (native/onednn): oneDNN convolutions and fused cell
 * kernels that work in place on the wasm backend's heap. It is an optional dependency built
 * at install against Debian's libdnnl-dev, so loading must explain what is missing.
 */

const PACKAGE = '@tmu/onednn'

/**
 * One function per kernel of the table (onednn-kernel-table.ts), called with the wasm
 * backend's heap and the kernel's arguments by name, tensors as byte offsets into the heap.
 * A filter token names the filter's values (Heap.token): the addon keeps the filter converted
 * to oneDNN's layout while the token repeats, as it does for every step of a forward pass.
 */
export type OneDnnKernels = {
  readonly [K in KernelName]: (heap: Uint8Array, args: KernelArgs<K>) => void
}

export interface OneDnnAddon extends OneDnnKernels {
  /** The addon's own table, which loading checks against KERNEL_TABLE. */
  readonly kernels: unknown
  /** Which oneDNN implementation runs each direction, e.g. `brg:avx512_core`. */
  convImplementations(geometry: ConvGeometry): string
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
    cached = checkOneDnnAddon(createRequire(import.meta.url)(PACKAGE) as OneDnnAddon)
  } catch (error) {
    cached = { error: describeOneDnnLoadError(error) }
  }
  return cached
}

/** The addon, if it was built from the kernel table this workbench calls it with. */
export function checkOneDnnAddon(addon: OneDnnAddon): { addon: OneDnnAddon } | { error: string } {
  const mismatch = describeKernelTableMismatch(addon.kernels)
  return mismatch === null ? { addon } : { error: mismatch }
}
