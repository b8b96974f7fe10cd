import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

/** Where native/onednn/install.cjs keeps node-gyp's output when the build fails. */
export const BUILD_FAILURE_LOG = join('node_modules', '.cache', 'tmu-onednn', 'build-failure.log')

/** The failed build's log beside the node_modules this module was loaded from, if any. */
export function findBuildFailureLog(from = dirname(fileURLToPath(import.meta.url))): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const log = join(dir, BUILD_FAILURE_LOG)
    if (existsSync(log)) return log
    if (dirname(dir) === dir) return null
  }
}

/**
 * The line of a node-gyp log that says what went wrong: the compiler's first error (e.g. an
 * oneDNN API it does not have, or a missing header), else node-gyp's own.
 */
export function firstBuildError(log: string): string | null {
  const lines = log.split('\n').map((line) => line.trim())
  const compiler = lines.find((line) => /(^|\s|:)(fatal )?error: /.test(line))
  const gyp = lines.find((line) => /^gyp ERR! stack Error: /.test(line))
  return compiler ?? gyp?.replace(/^gyp ERR! stack /, '') ?? null
}

/** Turns a failed load of the addon into a sentence saying what to install or fix. */
export function describeOneDnnLoadError(error: unknown, buildLog = findBuildFailureLog()): string {
  const failure = error as { code?: unknown; message?: unknown }
  const message = String(failure?.message ?? error).split('\n')[0] ?? ''
  if (failure?.code === 'MODULE_NOT_FOUND') {
    const why = buildLog ? firstBuildError(readFileSync(buildLog, 'utf8')) : null
    if (buildLog) {
      return `${PACKAGE} failed to build at install: ${why ?? 'see the log'} (the whole log: ${buildLog}); it needs oneDNN 2.x or 3.x and a C++ compiler (\`apt-get install libdnnl-dev g++\`), then \`npm rebuild ${PACKAGE}\``
    }
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
