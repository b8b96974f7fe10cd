import type { EvaluationSummary } from '@contract/index'
import { describe, expect, it } from 'vitest'
import { frameMetricCurves, frameMetricsCsv } from './compare-metrics'

function evaluation(mse: number[], clipMse: number[][]): EvaluationSummary {
  const nulls = mse.map(() => null)
  return {
    split: 'test',
    iteration: 10,
    clips: clipMse.length,
    mse,
    mae: nulls,
    ssim: mse.map(() => 0.9),
    psnr: nulls,
    meanMse: null,
    meanMae: null,
    meanSsim: null,
    meanPsnr: null,
    nonFinite: mse.map(() => 0),
    nonFiniteClips: 0,
    perClip: clipMse.map((m) => ({ mse: m, mae: nulls, ssim: m.map(() => 0.5), psnr: nulls })),
  }
}

const runs = [
  {
    name: 'tmu',
    evaluation: evaluation(
      [10, 20],
      [
        [1, 2],
        [3, 4],
      ],
    ),
  },
  {
    name: 'scratch',
    evaluation: evaluation(
      [30, 40],
      [
        [5, 6],
        [7, 8],
      ],
    ),
  },
]

describe('frameMetricCurves', () => {
  it('gives each run its clip curve and its dashed mean, by lead time from 1', () => {
    const curves = frameMetricCurves(runs, 1, 'mse')
    expect(curves.map((c) => [c.label, c.colour, c.dashed ?? false])).toEqual([
      ['tmu · clip 1', 0, false],
      ['tmu · mean', 0, true],
      ['scratch · clip 1', 1, false],
      ['scratch · mean', 1, true],
    ])
    expect(curves[0]!.points).toEqual([
      [1, 3],
      [2, 4],
    ])
  })
})

describe('frameMetricsCsv', () => {
  it('writes one row per frame with clip and mean values of every run', () => {
    const csv = frameMetricsCsv([runs[0]!], 0).split('\r\n')
    expect(csv[0]).toBe(
      'frame,tmu mse clip 0,tmu mse mean,tmu ssim clip 0,tmu ssim mean,tmu psnr clip 0,tmu psnr mean',
    )
    expect(csv[1]).toBe('1,1,10,0.5,0.9,,')
    expect(csv[2]).toBe('2,2,20,0.5,0.9,,')
  })
})
