/**
 * Seeded pseudo-random numbers (mulberry32). `Math.random` cannot be seeded, and every dataset,
 * shuffle and split must be reproducible from the seed recorded with it.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  float(): number
  /** Uniform integer in [0, n). */
  int(n: number): number
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
  return { float: next, int: (n) => Math.floor(next() * n) }
}

/** Mixes extra integers into a seed so that e.g. each epoch gets its own independent stream. */
export function deriveSeed(seed: number, ...salts: number[]): number {
  let h = seed >>> 0
  for (const salt of salts) {
    h = Math.imul(h ^ (salt >>> 0), 0x9e3779b1) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  return h
}

/** Fisher–Yates: a uniformly random order of `items`, in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1)
    const tmp = items[i] as T
    items[i] = items[j] as T
    items[j] = tmp
  }
  return items
}
