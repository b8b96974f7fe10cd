import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Interval, StudyArm, StudyResults } from '../api/contract'
import { printStudyResults } from './study-table'

const at = (estimate: number): Interval => ({ estimate, low: estimate - 1, high: estimate + 1 })
const perMetric = (values: number[]) => {
  const intervals = values.map(at)
  return { mse: intervals, mae: intervals, ssim: intervals, psnr: intervals }
}

const arm: StudyArm = {
  name: 'scratch',
  kind: 'scratch',
  ablationOf: null,
  runId: 1,
  runs: [],
  status: 'completed',
  backend: 'onednn',
  iterations: 60,
  wallSeconds: 30,
  scoredSeeds: 2,
  mse: [20, 30],
  ssim: [],
  meanMse: 25,
  meanSsim: null,
  meanPsnr: null,
  perFrame: perMetric([20, 30]),
  overall: { mse: at(25), mae: at(25), ssim: at(25), psnr: at(25) },
  beyond: perMetric([40, 50]),
  beyondOverall: { mse: at(45), mae: at(45), ssim: at(45), psnr: at(45) },
}

describe('tmu study tables', () => {
  afterEach(() => vi.restoreAllMocks())

  it('print the lead times past the trained horizon after the mean, marked, with their mean', () => {
    const lines: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
      lines.push(String(text).trimEnd())
      return true
    })
    const results: StudyResults = {
      experimentId: 1,
      name: 'study',
      plan: null,
      state: null,
      arms: [arm],
      sources: [],
      comparisons: [],
      testClips: 10,
    }
    printStudyResults(results)
    const mse = lines.indexOf(
      'test MSE per frame (sum over pixels, lower is better); mean±95 % CI over seeds',
    )
    expect(lines[mse + 1]!.split(/\s+/)).toEqual([
      'arm',
      't+1',
      't+2',
      'mean',
      't+3†',
      't+4†',
      'mean†',
    ])
    expect(lines[mse + 2]!.split(/\s+/)).toEqual([
      'scratch',
      '20.0±1.0',
      '30.0±1.0',
      '25.0±1.0',
      '40.0±1.0',
      '50.0±1.0',
      '45.0±1.0',
    ])
    expect(lines[mse + 3]).toBe(
      '† past the trained horizon; "mean" covers the trained lead times, "mean†" the rest',
    )
  })
})
