import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { generateFlyingDigits } from './flying-digits'
import { loadDigitPool } from './mnist-digits'

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

describe('generateFlyingDigits', () => {
  it('is byte-identical for the same options and seed, different for another seed', () => {
    const options = { clipCount: 4, digitsPerClip: 3, clipLength: 6, seed: 7 }
    const a = generateFlyingDigits(options)
    const b = generateFlyingDigits(options)
    expect(a.shape).toEqual([4, 6, 64, 64, 1])
    expect(sha(a.framesNTHWC)).toBe(sha(b.framesNTHWC))
    expect(a.digitIds).toEqual(b.digitIds)
    expect(sha(generateFlyingDigits({ ...options, seed: 8 }).framesNTHWC)).not.toBe(
      sha(a.framesNTHWC),
    )
  })

  it('draws train and test clips from disjoint digit pools', () => {
    const train = new Set(loadDigitPool('train').map((d) => d.id))
    const test = new Set(loadDigitPool('test').map((d) => d.id))
    expect(train.size + test.size).toBe(10_000)
    expect([...test].some((id) => train.has(id))).toBe(false)
    const used = (pool: 'train' | 'test') =>
      generateFlyingDigits({ clipCount: 50, digitPool: pool, clipLength: 2 }).digitIds.flat()
    expect(used('train').every((id) => train.has(id))).toBe(true)
    expect(used('test').every((id) => test.has(id))).toBe(true)
  })

  it('keeps bouncing digits whole on the canvas and resizes digits', () => {
    const { framesNTHWC, shape } = generateFlyingDigits({
      clipCount: 2,
      digitsPerClip: 1,
      canvasSize: 32,
      digitSize: 14,
      clipLength: 30,
      speedRange: [6, 6],
    })
    expect(shape).toEqual([2, 30, 32, 32, 1])
    // A bouncing digit never leaves: every frame keeps (about) the same ink.
    const ink = (t: number) =>
      framesNTHWC.subarray(t * 1024, (t + 1) * 1024).reduce((s, v) => s + v, 0)
    for (let t = 1; t < 30; t++) expect(Math.abs(ink(t) - ink(0)) / ink(0)).toBeLessThan(0.05)
  })

  it('rejects a digit larger than the canvas', () => {
    expect(() => generateFlyingDigits({ clipCount: 1, canvasSize: 20 })).toThrow(/digitSize 28/)
  })
})
