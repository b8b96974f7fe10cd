import type { StudyArm } from '@contract/index'
import { describe, expect, it } from 'vitest'
import {
  armCurves,
  beyondRegion,
  bestArms,
  halfWidth,
  leadTimeSpans,
  leadTimes,
} from './study-table'

const point = (v: number | null) => ({ estimate: v, low: null, high: null })
/** A mean over seeds with a 95 % interval of half-width 1. */
const withCi = (v: number) => ({ estimate: v, low: v - 1, high: v + 1 })
const mean = (values: (number | null)[]) =>
  values.every((v) => v !== null) ? values.reduce((a, b) => a! + b!, 0)! / values.length : null

const arm = (
  name: string,
  mse: (number | null)[],
  ssim: (number | null)[],
  beyondMse: number[] = [],
): StudyArm => ({
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
  beyond: { mse: beyondMse.map(withCi), mae: [], ssim: [], psnr: [] },
  beyondOverall: {
    mse: point(mean(beyondMse.length ? beyondMse : [null])),
    mae: point(null),
    ssim: point(null),
    psnr: point(null),
  },
})

describe('bestArms', () => {
  const arms = [
    arm('scratch', [30, 50], [0.9, 0.7]),
    arm('finetune', [25, 55], [0.92, 0.69]),
    arm('tmu', [null, 40], [null, 0.75]),
  ]

  it('picks the lowest MSE per frame, passing over missing scores', () => {
    expect(bestArms(arms, 'mse')).toEqual({ perFrame: [1, 2], mean: 0, beyondMean: null })
  })

  it('picks the highest SSIM', () => {
    expect(bestArms(arms, 'ssim')).toEqual({ perFrame: [1, 2], mean: 1, beyondMean: null })
  })

  it('picks past the horizon by the mean there, which may rank the arms otherwise', () => {
    const ranked = [arm('scratch', [30], [], [60, 70]), arm('finetune', [25], [], [55, 65])]
    expect(bestArms(ranked, 'mse')).toEqual({ perFrame: [1], mean: 1, beyondMean: 1 })
    const reversed = [arm('scratch', [30], [], [50, 60]), arm('finetune', [25], [], [55, 65])]
    expect(bestArms(reversed, 'mse').beyondMean).toBe(0)
  })

  it('has no best without scores', () => {
    expect(bestArms([], 'mse')).toEqual({ perFrame: [], mean: null, beyondMean: null })
  })
})

describe('halfWidth', () => {
  it('is half the interval, and null where the interval is unknown', () => {
    expect(halfWidth({ estimate: 3, low: 2, high: 4.5 })).toBe(1.25)
    expect(halfWidth({ estimate: 3, low: null, high: null })).toBeNull()
    expect(halfWidth(undefined)).toBeNull()
  })
})

describe('lead times', () => {
  it('counts the trained ones, then those past the horizon, the most of any arm', () => {
    const arms = [arm('scratch', [30, 50], [], [60, 70, 80]), arm('tmu', [], [])]
    expect(leadTimes(arms)).toEqual({ trained: 2, beyond: 3 })
    expect(leadTimeSpans(arms)).toEqual({ trained: 't+1–t+2', beyond: 't+3–t+5' })
  })

  it('names no span past the horizon where none was scored', () => {
    expect(leadTimeSpans([arm('scratch', [30], [])])).toEqual({ trained: 't+1', beyond: null })
    // A study whose arms are all queued has no lead times yet (not "t+1–t+0").
    expect(leadTimeSpans([arm('scratch', [], [])])).toEqual({ trained: '—', beyond: null })
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
        band: [
          [null, null],
          [null, null],
        ],
        colour: 0,
      },
    ])
  })

  it("goes on past the trained horizon with its intervals, after the study's trained lead times", () => {
    // The TMU arm has no trained scores yet, but its past-horizon point is still t+3.
    const [scratch, tmu] = armCurves(
      [arm('scratch', [30, 50], [], [60]), arm('tmu', [], [], [55])],
      'mse',
    )
    expect(scratch!.points).toEqual([
      [1, 30],
      [2, 50],
      [3, 60],
    ])
    expect(scratch!.band).toEqual([
      [null, null],
      [null, null],
      [59, 61],
    ])
    expect(tmu!.points).toEqual([[3, 55]])
  })
})

describe('beyondRegion', () => {
  it('shades from halfway between the last trained lead time and the next', () => {
    expect(beyondRegion([arm('scratch', [30, 50], [], [60])])).toEqual({
      fromX: 2.5,
      label: 'beyond training',
    })
    expect(beyondRegion([arm('scratch', [30, 50], [])])).toBeNull()
  })
})
