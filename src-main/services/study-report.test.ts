import { describe, expect, it } from 'vitest'
import type { Interval, StudyArm, StudyResults } from '../api/contract'
import { curvesSvg, renderStudyReport } from './study-report'

const interval = (estimate: number, half: number | null): Interval => ({
  estimate,
  low: half === null ? null : estimate - half,
  high: half === null ? null : estimate + half,
})

function arm(
  name: string,
  mse: number[],
  half: number | null,
  ablationOf: string | null = null,
): StudyArm {
  const perFrame = mse.map((v) => interval(v, half))
  const mean = interval(mse.reduce((a, b) => a + b, 0) / mse.length, half)
  return {
    name,
    kind: ablationOf ? 'tmu' : 'scratch',
    ablationOf,
    runId: 1,
    runs: [],
    status: 'completed',
    backend: 'onednn',
    iterations: 60,
    wallSeconds: 90,
    scoredSeeds: half === null ? 1 : 3,
    mse: mse,
    ssim: [],
    meanMse: mean.estimate,
    meanSsim: null,
    meanPsnr: null,
    perFrame: { mse: perFrame, mae: perFrame, ssim: perFrame, psnr: perFrame },
    overall: { mse: mean, mae: mean, ssim: mean, psnr: mean },
    beyond: { mse: [], mae: [], ssim: [], psnr: [] },
  }
}

const results: StudyResults = {
  experimentId: 7,
  name: 'a <study>',
  plan: null,
  state: null,
  arms: [arm('scratch', [20, 30], 1.5), arm('TMU λ = 0', [19, 28], null, 'scratch')],
  sources: [],
  comparisons: [
    {
      a: 'TMU λ = 0',
      b: 'scratch',
      metric: 'mse',
      perFrame: [interval(-1, 0.5), interval(-2, 0.5)],
      mean: interval(-1.5, 0.4),
      verdict:
        'TMU λ = 0 lower MSE than scratch at every horizon, 95 % CI of the difference [−1.90, −1.10]',
    },
  ],
  testClips: 12,
}

describe('study report', () => {
  it('draws a band only for arms with intervals, and a line for each arm', () => {
    const svg = curvesSvg(results.arms, 'mse')
    expect(svg.match(/<polygon /g)).toHaveLength(1)
    expect(svg.match(/<polyline /g)).toHaveLength(2)
    expect(svg).toContain('TMU λ = 0 (1 seed)')
    expect(svg).toContain('>t+2<')
  })

  it('writes the ablation table, escaped HTML, and one CSV row per seed and frame', () => {
    const report = renderStudyReport(
      results,
      { target: 'digits', sources: [], machine: 'here', generatedAt: 'now' },
      [
        { arm: 'scratch', seed: 0, runId: 3, frame: 1, mse: 20, mae: 50, ssim: 0.5, psnr: null },
        {
          arm: 'a, "quoted" arm',
          seed: 1,
          runId: 4,
          frame: 1,
          mse: 21,
          mae: 51,
          ssim: 0.4,
          psnr: 17,
        },
      ],
    )
    expect(report.stem).toBe('study-7')
    expect(report.markdown).toContain(
      '| TMU λ = 0 | scratch | 23.50 — | −1.50 [−1.90, −1.10] | TMU λ = 0 lower MSE than scratch at every horizon',
    )
    expect(report.html).toContain('<title>Study report: a &lt;study&gt;</title>')
    // The ablation's verdict is in its table, not among the main verdicts.
    expect(report.html).toContain('<ul></ul>')
    expect(report.csv.trim().split('\n')).toEqual([
      'arm,seed,run_id,frame,mse,mae,ssim,psnr',
      'scratch,1,3,1,20,50,0.5,',
      '"a, ""quoted"" arm",2,4,1,21,51,0.4,17',
    ])
    expect(report.figures.map((f) => f.name)).toEqual(['mse-per-frame.svg', 'ssim-per-frame.svg'])
  })
})
