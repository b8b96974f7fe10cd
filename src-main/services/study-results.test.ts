import { describe, expect, it } from 'vitest'
import type { EvaluationSummary, Run } from '../api/contract'
import { microConfig } from '../testing/test-workbench'
import { summarizeArm, type SeedRun } from './study-results'

/** A completed seed scored 5 → 5 (MSE 10 at every trained lead time), and past it if given. */
function seed(id: number, beyondMse: (number | null)[] | null): SeedRun {
  const trained = [10, 10, 10, 10, 10]
  const scores = (values: (number | null)[]) => ({
    mse: values,
    mae: values,
    ssim: values,
    psnr: values,
  })
  const evaluation: EvaluationSummary = {
    split: 'test',
    iteration: 60,
    clips: 1,
    ...scores(trained),
    meanMse: 10,
    meanMae: 10,
    meanSsim: 10,
    meanPsnr: 10,
    nonFinite: [0, 0, 0, 0, 0],
    nonFiniteClips: 0,
    perClip: [scores(trained)],
    beyond: beyondMse && { ...scores(beyondMse), nonFinite: beyondMse.map(() => 0) },
  }
  const run = {
    id,
    name: `scratch · seed ${id}`,
    status: 'completed',
    backend: 'cpu',
    iteration: 60,
    trainedSeconds: 5,
    config: microConfig({ iterations: 60 }),
  } as Run
  return { run, seed: id, evaluation }
}

const plan = { name: 'scratch', kind: 'scratch' as const, ablationOf: null }

describe('summarizeArm past the trained horizon', () => {
  it("averages each seed's lead times, then the seeds, with a t interval over seeds", () => {
    // Seed means 45 and 49: mean 47, s = 2√2, half-width t(0.975; 1)·s/√2 = 12.706·2.
    const arm = summarizeArm({
      plan,
      seeds: [seed(1, [40, 50]), seed(2, [44, 54])],
    })
    expect(arm.beyond.mse.map((i) => i.estimate)).toEqual([42, 52])
    expect(arm.beyondOverall.mse.estimate).toBe(47)
    expect(arm.beyondOverall.mse.low).toBeCloseTo(47 - 12.7062 * 2, 3)
    expect(arm.beyondOverall.mse.high).toBeCloseTo(47 + 12.7062 * 2, 3)
    // The trained mean stays apart.
    expect(arm.overall.mse.estimate).toBe(10)
  })

  it('leaves out seeds scored before the horizon was, and has no estimate without any', () => {
    const mixed = summarizeArm({ plan, seeds: [seed(1, [40, 50]), seed(2, null)] })
    expect(mixed.beyondOverall.mse).toEqual({ estimate: 45, low: null, high: null })
    const none = summarizeArm({ plan, seeds: [seed(1, null), seed(2, null)] })
    expect(none.beyondOverall.mse).toEqual({ estimate: null, low: null, high: null })
  })

  it('is unknown, not averaged away, where a seed diverged past the horizon', () => {
    const arm = summarizeArm({ plan, seeds: [seed(1, [40, null]), seed(2, [44, 54])] })
    expect(arm.beyondOverall.mse.estimate).toBeNull()
  })
})
