import { describe, expect, it } from 'vitest'
import { meanOf, rankClipsByGain } from './clip-ranking'

describe('meanOf', () => {
  it('ignores nulls', () => {
    expect(meanOf([1, null, 3])).toBe(2)
    expect(meanOf([null])).toBeNull()
  })
})

describe('rankClipsByGain', () => {
  it('ranks clips by how much run A beats run B, best first', () => {
    const a = [{ mse: [10, 10] }, { mse: [5, 7] }, { mse: [30, 30] }]
    const b = [{ mse: [12, 12] }, { mse: [20, 20] }, { mse: [20, 20] }]
    expect(rankClipsByGain(a, b)).toEqual([
      { clip: 1, mseA: 6, mseB: 20, gain: 14 },
      { clip: 0, mseA: 10, mseB: 12, gain: 2 },
      { clip: 2, mseA: 30, mseB: 20, gain: -10 },
    ])
  })

  it('skips clips without scores and stops at the shorter list', () => {
    const a = [{ mse: [null] }, { mse: [1] }, { mse: [1] }]
    const b = [{ mse: [2] }, { mse: [3] }]
    expect(rankClipsByGain(a, b).map((g) => g.clip)).toEqual([1])
  })
})
