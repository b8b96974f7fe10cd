/** Compute backends in the order `auto` tries them (architecture.md, Compute backends). */
export const BACKEND_ORDER = ['tensorflow-gpu', 'tensorflow', 'onednn', 'wasm', 'cpu'] as const
export type BackendName = (typeof BACKEND_ORDER)[number]
export type BackendPreference = 'auto' | BackendName

export interface BackendAttempt {
  readonly name: BackendName
  readonly ok: boolean
  /** Why it could not be used (null when ok), e.g. `not installed (optional dependency)`. */
  readonly error: string | null
  /** What it runs with, when a probe loaded it, e.g. `oneDNN 2.6.3 with wasm (2 threads)`. */
  readonly note?: string
}

/** The backend in use, shown to the user and recorded with each run. */
export interface BackendReport {
  readonly name: BackendName
  /** Threads the backend computes with (wasm: XNNPACK's pool; onednn: that and OpenMP's; native: TensorFlow's own). */
  readonly threads: number
  /** WebAssembly SIMD in use (wasm only). */
  readonly simd: boolean
  /** Why this backend, in a sentence for people. */
  readonly reason: string
  /** Every backend tried, in order, up to and including the chosen one. */
  readonly attempts: readonly BackendAttempt[]
}
