import { describe, expect, it } from 'vitest'
import { createRng } from '../random'
import { pairedBootstrap } from './paired-bootstrap'
import { meanInterval, studentTCdf, studentTQuantile } from './student-t'
import { pairedVerdict } from './verdict'

/** Standard normal draws (Box–Muller) from a seeded stream, so every run sees the same samples. */
function normals(seed: number) {
  const rng = createRng(seed)
  return () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next())
}

describe("Student's t", () => {
  it('matches the printed table of two-sided 95 % critical values', () => {
    // Any statistics table: t(0.975; df).
    const table: [number, number][] = [
      [1, 12.706],
      [2, 4.303],
      [4, 2.776],
      [10, 2.228],
      [30, 2.042],
      [1000, 1.962],
    ]
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 3)
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12)
    expect(studentTQuantile(0.025, 3)).toBeCloseTo(-3.182, 3)
  })

  it('covers the true mean of normal samples 95 % of the time, with 3 and with 10 values', () => {
    const draw = normals(7)
    for (const n of [3, 10]) {
      let covered = 0
      const trials = 4_000
      for (let k = 0; k < trials; k++) {
        const values = Array.from({ length: n }, () => 5 + 2 * draw())
        const { low, high } = meanInterval(values)
        if (low! <= 5 && 5 <= high!) covered++
      }
      // Binomial sd at 4 000 trials is 0.0034: ±0.015 is over 4 sd.
      expect(covered / trials).toBeGreaterThan(0.935)
      expect(covered / trials).toBeLessThan(0.965)
    }
  })

  it('gives one value a mean and no interval, and a NaN seed a NaN mean', () => {
    expect(meanInterval([3])).toEqual({ estimate: 3, low: null, high: null })
    expect(meanInterval([3, NaN]).estimate).toBeNaN()
    expect(meanInterval([2, 4])).toMatchObject({ estimate: 3 })
  })
})

/**
 * Two arms on the same clips: clip difficulty shared by both (large, so pairing matters),
 * a per-seed offset, and noise; arm A is `shift` better at every lead time.
 */
function twoArms(seed: number, shift: number, seeds = 3, clips = 40, frames = 3) {
  const draw = normals(seed)
  const difficulty = Array.from({ length: clips }, () => 20 + 8 * draw())
  const arm = (offset: number) =>
    Array.from({ length: seeds }, () => {
      const seedOffset = 0.3 * draw()
      return difficulty.map((d) =>
        Array.from({ length: frames }, (_, j) => d + j + offset + seedOffset + 0.5 * draw()),
      )
    })
  return { a: arm(-shift), b: arm(0) }
}

describe('paired bootstrap', () => {
  it('recovers a known difference and covers it about 95 % of the time', () => {
    const one = pairedBootstrap(twoArms(1, 1.5).a, twoArms(1, 1.5).b, { seed: 3 })
    for (const i of [...one.perFrame, one.mean]) {
      expect(i.low!).toBeLessThan(-1.5 + 0.6)
      expect(i.high!).toBeLessThan(0)
      expect(i.low!).toBeLessThan(i.estimate)
      expect(i.high!).toBeGreaterThan(i.estimate)
    }
    let covered = 0
    const trials = 200
    for (let k = 0; k < trials; k++) {
      const { a, b } = twoArms(100 + k, 1.5)
      const { mean } = pairedBootstrap(a, b, { seed: k, resamples: 400 })
      if (mean.low! <= -1.5 && -1.5 <= mean.high!) covered++
    }
    // The seed offsets dominate here: a percentile interval covered 84 %; the t one about 95 %.
    // 200 trials have sd ≈ 0.015.
    expect(covered / trials).toBeGreaterThan(0.91)
    expect(covered / trials).toBeLessThan(0.99)
  })

  it('pairs the clips: the shared clip difficulty does not widen the interval', () => {
    const { a, b } = twoArms(5, 1)
    const paired = pairedBootstrap(a, b, { seed: 1 }).mean
    // Unpaired, the 8-unit clip spread over 40 clips alone would give a half-width above 2.
    expect(paired.high! - paired.low!).toBeLessThan(1.5)
  })

  it('is reproducible from its seed and refuses arms scored on different clips', () => {
    const { a, b } = twoArms(9, 0)
    expect(pairedBootstrap(a, b, { seed: 4 })).toEqual(pairedBootstrap(a, b, { seed: 4 }))
    expect(() => pairedBootstrap(a, [b[0]!.slice(1)])).toThrow(
      'paired bootstrap: arm B seed 1 has 39 clips, expected 40',
    )
  })

  it('reports NaN with no bounds when a seed diverged', () => {
    const { a, b } = twoArms(9, 0)
    a[1]![3]![2] = NaN
    const d = pairedBootstrap(a, b)
    expect(d.mean).toEqual({ estimate: NaN, low: null, high: null })
    expect(pairedVerdict('TMU', 'scratch', 'MSE', d)).toBe(
      'TMU and scratch cannot be compared on MSE: a seed scored NaN or ±Inf',
    )
  })
})

describe('pairedVerdict', () => {
  const interval = (low: number, high: number) => ({ estimate: (low + high) / 2, low, high })

  it('says which arm is lower where the interval excludes zero, and no difference elsewhere', () => {
    const all = { perFrame: [interval(-3, -1), interval(-2, -0.5)], mean: interval(-2.1, -0.7) }
    expect(pairedVerdict('TMU', 'finetune ← FD-2', 'MSE', all)).toBe(
      'TMU lower MSE than finetune ← FD-2 at every horizon, 95 % CI of the difference [−2.10, −0.700]',
    )
    const none = { perFrame: [interval(-1, 1), interval(-0.5, 2)], mean: interval(-0.4, 1.2) }
    expect(pairedVerdict('TMU', 'scratch', 'MSE', none)).toBe(
      'no difference detected in MSE between TMU and scratch, 95 % CI of the difference [−0.400, 1.20]',
    )
    const some = {
      perFrame: [interval(-1, 1), interval(0.2, 2), interval(0.1, 3), interval(-4, -1)],
      mean: interval(-0.2, 1.5),
    }
    expect(pairedVerdict('TMU', 'scratch', 'SSIM', some)).toBe(
      'TMU lower SSIM than scratch at t+4 and higher SSIM than scratch at t+2–t+3, no difference detected at t+1; over all horizons 95 % CI of the difference [−0.200, 1.50]',
    )
  })
})
