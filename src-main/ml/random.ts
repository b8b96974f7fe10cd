/**
 * Seeded pseudo-random numbers for everything stochastic in training (weight init, scheduled
 * sampling masks), so a run is a function of its seed and a checkpoint can resume it exactly.
 *
 * Generator: mulberry32 (one 32-bit word of state, period 2^32). Its whole state is a single
 * integer, so a checkpoint stores `getState()` and `restoreRng` continues the stream bit for bit.
 * `Math.random` is never used: it cannot be seeded or saved.
 */

export interface RngState {
  readonly algorithm: 'mulberry32'
  /** Unsigned 32-bit state word. */
  readonly state: number
}

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number
  getState(): RngState
}

/** A generator whose stream is a function of `seed` only (any integer, taken mod 2^32). */
export function createRng(seed: number): Rng {
  return restoreRng({ algorithm: 'mulberry32', state: seed >>> 0 })
}

export function restoreRng(saved: RngState): Rng {
  if (saved.algorithm !== 'mulberry32') {
    throw new Error(`rng: unknown algorithm ${String(saved.algorithm)}`)
  }
  let a = saved.state >>> 0
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0
      let t = a
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    },
    getState: () => ({ algorithm: 'mulberry32', state: a }),
  }
}

/**
 * Seed of an independent stream (`stream` = 0 for weights, 1 for sampling masks, …), so
 * drawing more masks never shifts the initial weights and vice versa. A splitmix-style
 * integer hash decorrelates neighbouring seeds.
 */
export function deriveSeed(seed: number, stream: number): number {
  let z = (Math.imul(seed >>> 0, 0x9e3779b1) + Math.imul(stream + 1, 0x85ebca6b)) >>> 0
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return (z ^ (z >>> 16)) >>> 0
}
