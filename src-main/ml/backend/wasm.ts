import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { unpackedPath } from '../../util/asar-path'
import { registerWasmConvGradKernels } from './wasm-conv-grad'

/**
 * The wasm backend (XNNPACK), the fastest pure-npm CPU path. Multithreading under Node needs
 * scripts/patch-tfjs-wasm.js (run at postinstall); without it the backend runs one thread.
 */

/** Workers the bundle's Emscripten build pre-creates, and XNNPACK's thread cap in backend.cc. */
const MAX_WASM_THREADS = 8

export interface WasmInfo {
  readonly threads: number
  readonly simd: boolean
  /** Why the thread count is what it is, for the backend report. */
  readonly note: string
}

let configured = false

/** The slice of the Emscripten module (tfjs's `backend.wasm`) that holds the pthread workers. */
interface EmscriptenThreads {
  readonly PThread?: { readonly runningWorkers?: readonly { unref?: () => void }[] }
}

/**
 * Emscripten keeps a Node worker ref'd while its pthread runs, and XNNPACK's pool threads
 * run for the life of the backend, so a threaded process would never exit on its own. The
 * pool only works while the main thread waits on it, so nothing is lost by unref'ing them.
 */
function letProcessExitWithPoolThreads(): void {
  const backend = tf.backend() as unknown as { wasm?: EmscriptenThreads }
  for (const worker of backend.wasm?.PThread?.runningWorkers ?? []) worker.unref?.()
}

/** The bundle's own folder of .wasm files, found from node_modules (not from the caller's bundle). */
function wasmDirectory(): string {
  const pkg = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')
  // In a packaged app, the unpacked copy: the pthread workers load files from disk.
  return unpackedPath(join(dirname(pkg), 'dist')) + '/'
}

/** One thread per core, up to the pool the build pre-creates. */
export function defaultWasmThreads(): number {
  return Math.min(availableParallelism(), MAX_WASM_THREADS)
}

/**
 * Makes wasm the active backend with our convolution-gradient kernels. Paths and threads can
 * only be set before the backend's first initialisation, so later calls keep the first ones.
 */
export async function initWasmBackend(threads = defaultWasmThreads()): Promise<WasmInfo> {
  if (!configured) {
    setWasmPaths(wasmDirectory())
    setThreadsCount(threads)
    configured = true
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise')
  registerWasmConvGradKernels()
  letProcessExitWithPoolThreads()
  const multithreaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')
  const actual = getThreadsCount()
  let note = `${actual} thread${actual === 1 ? '' : 's'}`
  if (!multithreaded && availableParallelism() > 1) {
    note += ' (tfjs-backend-wasm is stock: run `node scripts/patch-tfjs-wasm.js` for one per core)'
  }
  return { threads: actual, simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')), note }
}
