import type { StudyArm } from '@contract/index'
import { describe, expect, it } from 'vitest'
import { armCurves, bestArms } from './study-table'

const arm = (name: string, mse: (number | null)[], ssim: (number | null)[]): StudyArm => ({
  runId: name.length,
  name,
  kind: 'scratch',
  status: 'completed',
  mse,
  ssim,
  meanMse: mse.every((v) => v !== null) ? mse.reduce((a, b) => a! + b!, 0)! / mse.length : null,
  meanSsim: ssim.every((v) => v !== null) ? ssim.reduce((a, b) => a! + b!, 0)! / ssim.length : null,
  meanPsnr: null,
  backend: 'cpu',
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
