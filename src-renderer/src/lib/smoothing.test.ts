import { describe, expect, it } from 'vitest'
import { smoothSeries } from './smoothing'

describe('smoothSeries', () => {
  it('is the raw series at weight 0', () => {
    expect(
      smoothSeries(
        [
          [1, 3],
          [2, 5],
        ],
        0,
      ),
    ).toEqual([
      [1, 3],
      [2, 5],
    ])
  })

  it('starts at the first value (debiased) and then lags behind a jump', () => {
    const out = smoothSeries(
      [
        [1, 4],
        [2, 4],
        [3, 0],
      ],
      0.5,
    )
    expect(out[0]).toEqual([1, 4])
    expect(out[1]![1]).toBeCloseTo(4)
    expect(out[2]![1]).toBeGreaterThan(0)
    expect(out[2]![1]).toBeLessThan(4)
  })

  it('keeps gaps', () => {
    expect(
      smoothSeries(
        [
          [1, null],
          [2, 2],
        ],
        0.9,
      ),
    ).toEqual([
      [1, null],
      [2, 2],
    ])
  })
})
