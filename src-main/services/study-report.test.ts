import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import type { Interval, StudyArm, StudyResults } from '../api/contract'
import { curvesSvg, renderStudyReport, type ReportMedia } from './study-report'

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
  beyondMse: number[] = [],
): StudyArm {
  const perFrame = mse.map((v) => interval(v, half))
  const beyond = beyondMse.map((v) => interval(v, half))
  const mean = interval(mse.reduce((a, b) => a + b, 0) / mse.length, half)
  const beyondMean = beyondMse.length
    ? interval(beyondMse.reduce((a, b) => a + b, 0) / beyondMse.length, half)
    : { estimate: null, low: null, high: null }
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
    beyond: { mse: beyond, mae: beyond, ssim: beyond, psnr: beyond },
    beyondOverall: { mse: beyondMean, mae: beyondMean, ssim: beyondMean, psnr: beyondMean },
  }
}

const results: StudyResults = {
  experimentId: 7,
  name: 'a <study>',
  plan: null,
  state: null,
  arms: [
    arm('scratch', [20, 30], 1.5, null, [40, 50]),
    arm('TMU λ = 0', [19, 28], null, 'scratch', [38, 47]),
  ],
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

  it('draws the lead times past the trained horizon, shaded and captioned', () => {
    const svg = curvesSvg(results.arms, 'mse')
    expect(svg).toContain('>t+4<')
    expect(svg).toContain('beyond training')
  })

  const media: ReportMedia = {
    introspection: [
      {
        arm: 'TMU λ = 0',
        layers: [1],
        sources: ['FD-1', 'FD-2'],
        gateMean: [
          [
            [0.5, 0.25, 0.125],
            [0.5, 0.75, null],
          ],
        ],
        memoryMagnitude: [
          [0.7, 2.1, 6.3],
          [0.5, 0.6, 0.65],
        ],
      },
    ],
    samples: null,
  }

  it('writes the ablation table, escaped HTML, and one CSV row per seed and frame', () => {
    const report = renderStudyReport(
      results,
      { target: 'digits', sources: [], machine: 'here', generatedAt: 'now' },
      [
        {
          arm: 'scratch',
          seed: 0,
          runId: 3,
          frame: 1,
          beyondTraining: false,
          mse: 20,
          mae: 50,
          ssim: 0.5,
          psnr: null,
        },
        {
          arm: 'a, "quoted" arm',
          seed: 1,
          runId: 4,
          frame: 3,
          beyondTraining: true,
          mse: 21,
          mae: 51,
          ssim: 0.4,
          psnr: 17,
        },
      ],
      media,
    )
    expect(report.stem).toBe('study-7')
    expect(report.markdown).toContain(
      '| TMU λ = 0 | scratch | 23.50 — | −1.50 [−1.90, −1.10] | TMU λ = 0 lower MSE than scratch at every horizon',
    )
    // Per frame: the trained lead times, then those past the horizon, marked.
    expect(report.markdown).toContain('| arm | t+1 | t+2 | t+3 † | t+4 † |')
    expect(report.markdown).toContain(
      '| scratch | 20.0 [18.5, 21.5] | 30.0 [28.5, 31.5] | 40.0 [38.5, 41.5] |',
    )
    // The carried memory per layer and step, and the gates per source, of each TMU arm.
    expect(report.markdown).toContain('| TMU λ = 0 | 1 | 0.700 | 2.10 | 6.30 |')
    expect(report.markdown).toContain('| TMU λ = 0 | 1 | FD-2 | 0.500 | 0.750 | — |')
    expect(report.html).toContain('<title>Study report: a &lt;study&gt;</title>')
    // The ablation's verdict is in its table, not among the main verdicts.
    expect(report.html).toContain('<ul></ul>')
    expect(report.csv.trim().split('\n')).toEqual([
      'arm,seed,run_id,frame,beyond_training,mse,mae,ssim,psnr',
      'scratch,1,3,1,0,20,50,0.5,',
      '"a, ""quoted"" arm",2,4,3,1,21,51,0.4,17',
    ])
    const stems = ['mse-per-frame', 'ssim-per-frame', 'gate-usage', 'memory-magnitude']
    expect(report.figures.map((f) => f.name)).toEqual(stems.map((s) => `${s}.svg`))
    expect(report.images.map((f) => f.name)).toEqual(stems.map((s) => `${s}.png`))
    // Each PNG decodes, at twice the SVG's size, and is not blank.
    for (const [i, image] of report.images.entries()) {
      const png = PNG.sync.read(Buffer.from(image.pngBase64, 'base64'))
      const width = Number(/width="(\d+)"/.exec(report.figures[i]!.svg)![1])
      expect(png.width).toBe(2 * width)
      expect(new Set(png.data).size).toBeGreaterThan(2)
    }
  })
})
