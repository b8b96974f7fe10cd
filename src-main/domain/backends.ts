import { z } from 'zod'

/**
 * Compute backends: the names, the order `auto` tries them in (docs/architecture.md, Compute
 * backends) and what is reported about them. Shared by the trainer (ml/), the services, the
 * CLI and the renderer.
 */

export const BACKEND_ORDER = [
  'tensorflow-gpu',
  'webgpu',
  'tensorflow',
  'onednn',
  'wasm',
  'cpu',
] as const
export type BackendName = (typeof BACKEND_ORDER)[number]

/** What a run asks for: a backend by name, or `auto` (the first in BACKEND_ORDER that loads). */
export const BackendPreference = z.enum(['auto', ...BACKEND_ORDER])
export type BackendPreference = z.infer<typeof BackendPreference>

/** One backend as `tmu doctor` and Settings show it: whether it loads, and why not. */
export const BackendProbe = z.object({
  name: z.string(),
  ok: z.boolean(),
  detail: z.string(),
})
export type BackendProbe = z.infer<typeof BackendProbe>

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

/**
 * Where to retry a run whose numbers went wrong on `failedOn`: the backends with tfjs's own
 * kernels only (no native or fused code), so a fault in a faster backend's kernels is left behind.
 */
export function fallbackBackends(failedOn: string | null): BackendName[] {
  return (['wasm', 'cpu'] as const).filter((b) => b !== failedOn)
}
