import * as tf from '@tensorflow/tfjs'
import { expect } from 'vitest'
import type { BackendName } from '../domain/backends'
import { initBackend } from '../ml/backend'
import { loadOneDnnAddon } from '../ml/backend/onednn-addon'

/**
 * The extreme-value check every cell's kernels pass (docs/method.md §3.8): a TMU-fed or badly
 * trained stack hands cells values in the thousands, where an exp-based σ or tanh overflows.
 * A cell's outputs and gradients at such values must stay finite on every backend users train
 * on and agree with `cpu`. (ml/fused/extreme-values.test.ts checks the fused kernels alone.)
 */

const loaded = loadOneDnnAddon()
/** The backends compared with cpu: wasm, and onednn where its addon loads here. */
export const EXTREME_BACKENDS: BackendName[] = [
  'wasm',
  ...('error' in loaded ? [] : (['onednn'] as const)),
]

const EXTREMES = [-1e4, -1e3, -100, -45, -20, -1, 0, 1, 20, 45, 100, 1e3, 1e4]

/** A tensor cycling through ±10⁴ … 0, a different phase per seed. */
export function extremeTensor(shape: [number, number, number, number], seed: number): tf.Tensor4D {
  const data = new Float32Array(shape.reduce((a, b) => a * b))
  for (let j = 0; j < data.length; j++) data[j] = EXTREMES[(j * 7 + seed * 5) % EXTREMES.length]!
  return tf.tensor4d(data, shape)
}

/**
 * Runs `compute` (outputs and gradients as arrays) on cpu, then on each of EXTREME_BACKENDS:
 * every value finite, and within 1e-4 of cpu's relative to the largest. Leaves cpu active.
 */
export async function expectFiniteAndAgreeing(compute: () => Float32Array[]): Promise<void> {
  await initBackend('cpu')
  const reference = compute()
  reference.forEach((values, k) => {
    expect(values.every(Number.isFinite), `cpu: output ${k} finite`).toBe(true)
  })
  for (const backend of EXTREME_BACKENDS) {
    await initBackend(backend)
    const got = compute()
    got.forEach((values, k) => {
      const ref = reference[k]!
      const scale = Math.max(1, ...Array.from(ref, Math.abs))
      let worst = 0
      values.forEach((v, j) => {
        expect(Number.isFinite(v), `${backend}: output ${k}[${j}] = ${v}`).toBe(true)
        worst = Math.max(worst, Math.abs(v - ref[j]!))
      })
      expect(worst / scale, `${backend}: output ${k}`).toBeLessThan(1e-4)
    })
  }
  await initBackend('cpu')
}
