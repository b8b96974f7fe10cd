import type { StudyArm } from '@contract/index'
import { describe, expect, it } from 'vitest'
import { armCurves, bestArms, halfWidth } from './study-table'

const point = (v: number | null) => ({ estimate: v, low: null, high: null })
const mean = (values: (number | null)[]) =>
  values.every((v) => v !== null) ? values.reduce((a, b) => a! + b!, 0)! / values.length : null

const arm = (name: string, mse: (number | null)[], ssim: (number | null)[]): StudyArm => ({
  runId: name.length,
  name,
  kind: 'scratch',
  ablationOf: null,
  runs: [],
  status: 'completed',
  backend: 'cpu',
  iterations: 60,
  wallSeconds: 1,
  scoredSeeds: 1,
  mse,
  ssim,
  meanMse: mean(mse),
  meanSsim: mean(ssim),
  meanPsnr: null,
  perFrame: { mse: mse.map(point), mae: [], ssim: ssim.map(point), psnr: [] },
  overall: { mse: point(mean(mse)), mae: point(null), ssim: point(mean(ssim)), psnr: point(null) },
})

describe('bestArms', () => {
  const arms = [
    arm('scratch', [30, 50], [0.9, 0.7]),
    arm('finetune', [25, 55], [0.92, 0.69]),
    arm('tmu', [null, 40], [null, 0.75]),
  ]

  it('picks the lowest MSE per frame, passing over missing scores', () => {
    expect(bestArms(arms, 'mse')).toEqual({ perFrame: [1, 2], mean: 0 })
  })

  it('picks the highest SSIM', () => {
    expect(bestArms(arms, 'ssim')).toEqual({ perFrame: [1, 2], mean: 1 })
  })

  it('has no best without scores', () => {
    expect(bestArms([], 'mse')).toEqual({ perFrame: [], mean: null })
  })
})

describe('halfWidth', () => {
  it('is half the interval, and null where the interval is unknown', () => {
    expect(halfWidth({ estimate: 3, low: 2, high: 4.5 })).toBe(1.25)
    expect(halfWidth({ estimate: 3, low: null, high: null })).toBeNull()
    expect(halfWidth(undefined)).toBeNull()
  })
})

describe('armCurves', () => {
  it('draws each arm over lead times 1 … Tout', () => {
    expect(armCurves([arm('scratch', [30, 50], [])], 'mse')).toEqual([
      {
        label: 'scratch',
        points: [
          [1, 30],
          [2, 50],
        ],
        colour: 0,
      },
    ])
  })
})
