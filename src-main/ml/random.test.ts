import { describe, expect, it } from 'vitest'
import { createRng, deriveSeed, restoreRng } from './random'

describe('seeded rng', () => {
  it('repeats a stream from its seed and stays in [0, 1)', () => {
    const a = createRng(42)
    const b = createRng(42)
    const draws = Array.from({ length: 1000 }, () => a.next())
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(draws)
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0)
    expect(Math.max(...draws)).toBeLessThan(1)
    const mean = draws.reduce((s, x) => s + x, 0) / draws.length
    expect(mean).toBeGreaterThan(0.45)
    expect(mean).toBeLessThan(0.55)
  })

  it('resumes from a saved state exactly', () => {
    const rng = createRng(7)
    for (let i = 0; i < 13; i++) rng.next()
    const saved = JSON.parse(JSON.stringify(rng.getState()))
    const expected = Array.from({ length: 5 }, () => rng.next())
    const resumed = restoreRng(saved)
    expect(Array.from({ length: 5 }, () => resumed.next())).toEqual(expected)
  })

  it('derives distinct streams per seed and purpose', () => {
    const seeds = new Set([0, 1, 2].flatMap((s) => [0, 1, 2].map((k) => deriveSeed(s, k))))
    expect(seeds.size).toBe(9)
    expect(deriveSeed(-1, 0)).toBe(deriveSeed(0xffffffff, 0))
  })
})
