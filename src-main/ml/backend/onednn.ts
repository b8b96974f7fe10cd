import { availableParallelism } from 'node:os'
import { loadOneDnnAddon, type OneDnnAddon } from './onednn-addon'
import { installOneDnnKernels } from './onednn-kernels'
import { initWasmBackend, type WasmInfo } from './wasm'

/**
 * The onednn backend: tfjs's wasm backend (tensors on its heap, XNNPACK for everything
 * else) with convolutions and their gradients run by oneDNN, the library PyTorch uses on
 * CPU. Needs the `@tmu/onednn` addon, built at install where libdnnl-dev is present.
 */

function requireAddon(): OneDnnAddon {
  const loaded = loadOneDnnAddon()
  if ('error' in loaded) throw new Error(loaded.error)
  return loaded.addon
}

/**
 * Whether onednn would load, without replacing any kernel of the active backend; says what
 * it would run with.
 */
export async function probeOneDnnBackend(threads?: number): Promise<string> {
  const addon = requireAddon()
  const wasm = await initWasmBackend(threads)
  return `oneDNN ${addon.version()}, other kernels wasm with ${wasm.note}`
}

export async function initOneDnnBackend(threads?: number): Promise<WasmInfo> {
  const addon = requireAddon()
  const wasm = await initWasmBackend(threads)
  installOneDnnKernels(addon)
  // OpenMP (oneDNN's pool) sizes itself to the cores; the two pools take turns, never overlap.
  const ompThreads = availableParallelism()
  return {
    threads: Math.max(wasm.threads, ompThreads),
    simd: wasm.simd,
    note: `oneDNN ${addon.version()} convolutions on ${ompThreads} OpenMP threads, other kernels wasm with ${wasm.note}`,
  }
}
