import { describe, expect, it } from 'vitest'
import type { StudyArm } from '../../api/contract'
import { armsWithoutResults } from './study'

const none = { estimate: null, low: null, high: null }
const arm = (name: string, changes: Partial<StudyArm> = {}): StudyArm => ({
  runId: 1,
  name,
  kind: 'scratch',
  ablationOf: null,
  runs: [],
  status: 'completed',
  backend: 'onednn',
  iterations: 60,
  wallSeconds: 10,
  scoredSeeds: 1,
  mse: [20, 30],
  ssim: [0.5, 0.4],
  meanMse: 25,
  meanSsim: 0.45,
  meanPsnr: 20,
  perFrame: { mse: [], mae: [], ssim: [], psnr: [] },
  overall: { mse: none, mae: none, ssim: none, psnr: none },
  beyond: { mse: [], mae: [], ssim: [], psnr: [] },
  beyondOverall: { mse: none, mae: none, ssim: none, psnr: none },
  ...changes,
})

describe('armsWithoutResults', () => {
  it('names every arm that failed, has no scores, or a non-finite score at a lead time', () => {
    const arms = [
      arm('scratch'),
      arm('tmu failed', { status: 'failed', mse: [], ssim: [] }),
      arm('tmu NaN', { mse: [20, null] }),
      arm('finetune Inf', { ssim: [0.5, Number.POSITIVE_INFINITY] }),
      arm('never scored', { mse: [], ssim: [] }),
    ]
    expect(armsWithoutResults(arms)).toEqual([
      'tmu failed',
      'tmu NaN',
      'finetune Inf',
      'never scored',
    ])
    expect(armsWithoutResults([arm('scratch'), arm('tmu')])).toEqual([])
  })
})
