import { createRng } from '../random'
import type { Interval } from './student-t'

/** One arm's scores of one metric: `[seed][clip][frame]`, every seed on the same test clips. */
export type SeedClipFrame = readonly (readonly (readonly number[])[])[]

export interface PairedDifference {
  /** Per lead time j (index j − 1): mean of A − mean of B, with its bootstrap interval. */
  perFrame: Interval[]
  /** The same for the mean over lead times. */
  mean: Interval
}

export interface BootstrapOptions {
  /** Resamples drawn (default 2 000). */
  resamples?: number
  /** Seed of the resampling stream, so a report's intervals are reproducible. */
  seed?: number
  /** Two-sided level of the interval (default 0.95). */
  level?: number
}

/**
 * The difference between two arms scored on the same test clips, with a percentile bootstrap
 * over clips and seeds. Each resample draws the clips once for both arms (the pairing: a hard
 * clip is hard for both, so its difficulty cancels) and, independently, each arm's seeds (the
 * arms' seeds are independent trainings, so they are not paired; see inflateSeedSpread). The statistic is the mean
 * over the drawn clips of (A's mean over its drawn seeds − B's), per lead time and over all.
 * A non-finite score anywhere (a diverged seed) makes the estimate NaN with null bounds.
 */
export function pairedBootstrap(
  a: SeedClipFrame,
  b: SeedClipFrame,
  options: BootstrapOptions = {},
): PairedDifference {
  const { resamples = 2_000, seed = 0, level = 0.95 } = options
  const clips = a[0]?.length ?? 0
  const frames = a[0]?.[0]?.length ?? 0
  for (const [arm, scores] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (scores.length === 0) throw new Error(`paired bootstrap: arm ${arm} has no seeds`)
    scores.forEach((perClip, s) => {
      if (perClip.length !== clips)
        throw new Error(
          `paired bootstrap: arm ${arm} seed ${s + 1} has ${perClip.length} clips, expected ${clips}`,
        )
      perClip.forEach((perFrame, c) => {
        if (perFrame.length !== frames)
          throw new Error(
            `paired bootstrap: arm ${arm} seed ${s + 1} clip ${c + 1} has ${perFrame.length} frames, expected ${frames}`,
          )
      })
    })
  }
  if (clips === 0 || frames === 0) throw new Error('paired bootstrap: no clips or no frames')

  const flat = (scores: SeedClipFrame) =>
    inflateSeedSpread(scores.map((perClip) => Float64Array.from(perClip.flat())))
  const seedsA = flat(a)
  const seedsB = flat(b)
  const observed = differenceOf(
    seedsA,
    seedsB,
    allIndices(seedsA.length),
    allIndices(seedsB.length),
    allIndices(clips),
    frames,
  )
  if (observed.some((v) => !Number.isFinite(v))) {
    const unknown = { estimate: NaN, low: null, high: null }
    return { perFrame: Array.from({ length: frames }, () => unknown), mean: unknown }
  }

  const rng = createRng(seed)
  const draw = (n: number) => Array.from({ length: n }, () => Math.floor(rng.next() * n))
  // Column j < frames: lead time j + 1; column `frames`: the mean over lead times.
  const samples = Array.from({ length: frames + 1 }, () => new Float64Array(resamples))
  for (let r = 0; r < resamples; r++) {
    const d = differenceOf(
      seedsA,
      seedsB,
      draw(seedsA.length),
      draw(seedsB.length),
      draw(clips),
      frames,
    )
    d.forEach((v, j) => (samples[j]![r] = v))
  }
  const interval = (j: number): Interval => {
    const sorted = samples[j]!.sort()
    return {
      estimate: observed[j]!,
      low: quantile(sorted, (1 - level) / 2),
      high: quantile(sorted, 1 - (1 - level) / 2),
    }
  }
  return {
    perFrame: Array.from({ length: frames }, (_, j) => interval(j)),
    mean: interval(frames),
  }
}

/**
 * Resampling n seeds with replacement shrinks their variance by (n − 1)/n, which at 3 seeds
 * covers a true difference ~84 % of the time instead of 95 %. Scaling each seed's deviation from
 * the seed mean by √(n/(n − 1)) (Davison & Hinkley 1997, §3.8) keeps the mean and undoes that.
 */
function inflateSeedSpread(seeds: Float64Array[]): Float64Array[] {
  const n = seeds.length
  if (n < 2) return seeds
  const factor = Math.sqrt(n / (n - 1))
  const size = seeds[0]!.length
  const out = seeds.map(() => new Float64Array(size))
  for (let i = 0; i < size; i++) {
    let mean = 0
    for (const s of seeds) mean += s[i]!
    mean /= n
    seeds.forEach((s, k) => (out[k]![i] = mean + (s[i]! - mean) * factor))
  }
  return out
}

const allIndices = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Per lead time and (last) over all: mean over `clipIdx` of A's seed mean − B's seed mean. */
function differenceOf(
  a: Float64Array[],
  b: Float64Array[],
  seedIdxA: number[],
  seedIdxB: number[],
  clipIdx: number[],
  frames: number,
): number[] {
  const sums = new Float64Array(frames)
  for (const c of clipIdx) {
    const offset = c * frames
    for (let j = 0; j < frames; j++) {
      let meanA = 0
      for (const s of seedIdxA) meanA += a[s]![offset + j]!
      let meanB = 0
      for (const s of seedIdxB) meanB += b[s]![offset + j]!
      sums[j]! += meanA / seedIdxA.length - meanB / seedIdxB.length
    }
  }
  const perFrame = Array.from(sums, (sum) => sum / clipIdx.length)
  return [...perFrame, perFrame.reduce((s, v) => s + v, 0) / frames]
}

/** Linear interpolation between order statistics (numpy's default), on sorted values. */
function quantile(sorted: Float64Array, p: number): number {
  const position = p * (sorted.length - 1)
  const below = Math.floor(position)
  const above = Math.min(sorted.length - 1, below + 1)
  return sorted[below]! + (position - below) * (sorted[above]! - sorted[below]!)
}
