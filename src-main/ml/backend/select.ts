import * as tf from '@tensorflow/tfjs'
import { initCpuBackend } from './cpu'
import { loadNativeBackend, nativeThreads, probeNativeBackend } from './native'
import { initOneDnnBackend, probeOneDnnBackend } from './onednn'
import { removeOneDnnKernels } from './onednn-kernels'
import {
  BACKEND_ORDER,
  type BackendAttempt,
  type BackendName,
  type BackendPreference,
} from '../../domain/backends'
import type { BackendReport } from '../../domain/backends'
import { initWasmBackend } from './wasm'
import { findWebGpuAdapter, formatAdapter, initWebGpuBackend } from './webgpu'

/**
 * Backend choice (architecture.md, Compute backends): CUDA libtensorflow → WebGPU on a
 * hardware adapter → CPU libtensorflow → wasm with oneDNN convolutions → wasm → pure-JS cpu.
 * `auto` takes the first that loads; a named preference must load or the call throws, so a
 * run never silently trains on something slower than asked for.
 */

/** A forced backend could not be loaded; services map `code` onto their API error. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError'
  readonly code = 'backend_unavailable'
  constructor(
    message: string,
    readonly attempts: readonly BackendAttempt[],
  ) {
    super(message)
  }
}

export interface InitBackendOptions {
  /** wasm threads (default one per core); only the first wasm initialisation applies it. */
  readonly wasmThreads?: number
}

interface Loaded {
  readonly threads: number
  readonly simd: boolean
  readonly note: string
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function load(
  name: BackendName,
  options: InitBackendOptions,
  preference: BackendPreference,
): Promise<Loaded> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const attempt = await loadNativeBackend(name)
      if (!attempt.ok) throw new Error(attempt.error ?? `${name} failed to load`)
      return { threads: nativeThreads(), simd: false, note: 'libtensorflow' }
    }
    case 'webgpu': {
      // A software adapter (SwiftShader) trains correctly but slower than the CPU backends:
      // only asking for webgpu by name takes it.
      const adapter = await initWebGpuBackend({ allowFallbackAdapter: preference === 'webgpu' })
      return { threads: 1, simd: false, note: formatAdapter(adapter) }
    }
    case 'onednn':
      return initOneDnnBackend(options.wasmThreads)
    case 'wasm':
      // onednn and wasm share tfjs's wasm backend: plain wasm means its own kernels.
      removeOneDnnKernels()
      return initWasmBackend(options.wasmThreads)
    case 'cpu':
      await initCpuBackend()
      return { threads: 1, simd: false, note: 'pure JavaScript, one thread' }
  }
}

function explain(
  preference: BackendPreference,
  attempts: readonly BackendAttempt[],
  loaded: Loaded,
) {
  const chosen = attempts[attempts.length - 1]?.name
  const skipped = attempts
    .filter((a) => !a.ok)
    .map((a) => `${a.name}: ${a.error}`)
    .join('; ')
  const why = preference === 'auto' ? 'auto' : 'requested'
  return `${chosen} (${why}; ${loaded.note})${skipped ? `. Unavailable: ${skipped}` : ''}`
}

/** Loads and activates a backend; the report is shown to the user and recorded with the run. */
export async function initBackend(
  preference: BackendPreference = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendReport> {
  const candidates = preference === 'auto' ? BACKEND_ORDER : [preference]
  const attempts: BackendAttempt[] = []
  for (const name of candidates) {
    try {
      const loaded = await load(name, options, preference)
      attempts.push({ name, ok: true, error: null })
      return {
        name,
        threads: loaded.threads,
        simd: loaded.simd,
        reason: explain(preference, attempts, loaded),
        attempts,
      }
    } catch (error) {
      attempts.push({ name, ok: false, error: errorMessage(error) })
    }
  }
  const tried = attempts.map((a) => `${a.name}: ${a.error}`).join('; ')
  throw new BackendUnavailableError(`backend ${preference} is not available (${tried})`, attempts)
}

/**
 * What would load and why not, for `tmu doctor`. Native backends are tried in a child
 * process (libtensorflow, once loaded, cannot be unloaded); onednn, wasm and cpu in this process,
 * after which the previously active backend is restored.
 */
export async function probeBackends(options: InitBackendOptions = {}): Promise<BackendAttempt[]> {
  const previous = tf.getBackend()
  const attempts: BackendAttempt[] = [
    await probeNativeBackend('tensorflow-gpu'),
    await probeNativeBackend('tensorflow'),
  ]
  // Probes must not swap kernels under the active backend (onednn and wasm share them).
  const probes = {
    onednn: () => probeOneDnnBackend(options.wasmThreads),
    wasm: async () => (await initWasmBackend(options.wasmThreads)).note,
    // As `auto` sees it: a software adapter is reported, with why auto passes it by.
    webgpu: async () => formatAdapter(await findWebGpuAdapter({ allowFallbackAdapter: false })),
    cpu: async () => (await load('cpu', options, 'cpu')).note,
  }
  for (const [name, probe] of Object.entries(probes) as [
    keyof typeof probes,
    () => Promise<string>,
  ][]) {
    try {
      const note = await probe()
      attempts.push({ name, ok: true, error: null, note })
    } catch (error) {
      attempts.push({ name, ok: false, error: errorMessage(error) })
    }
  }
  if (previous && previous !== tf.getBackend()) await tf.setBackend(previous)
  return attempts.sort((a, b) => BACKEND_ORDER.indexOf(a.name) - BACKEND_ORDER.indexOf(b.name))
}
