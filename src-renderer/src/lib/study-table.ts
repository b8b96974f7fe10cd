import type { Interval, StudyArm, StudyMetric } from '@contract/index'
import type { LineSeries } from '../composables/useLineChart'

/** Lower MSE and MAE are better, higher SSIM and PSNR are. */
const BETTER: Record<StudyMetric, (a: number, b: number) => boolean> = {
  mse: (a, b) => a < b,
  mae: (a, b) => a < b,
  ssim: (a, b) => a > b,
  psnr: (a, b) => a > b,
}

/**
 * Which arm is best in each column of the results table, by its mean over seeds: per lead
 * time j (index j) and for the mean (`mean`). Arms without a score in a column are passed
 * over; ties go to the first arm.
 */
export function bestArms(
  arms: StudyArm[],
  metric: StudyMetric,
): { perFrame: (number | null)[]; mean: number | null } {
  const pick = (score: (arm: StudyArm) => number | null | undefined) => {
    let best: number | null = null
    arms.forEach((arm, i) => {
      const value = score(arm)
      if (value === null || value === undefined) return
      if (best === null || BETTER[metric](value, score(arms[best]!)!)) best = i
    })
    return best
  }
  const frames = Math.max(0, ...arms.map((a) => a.perFrame[metric].length))
  return {
    perFrame: Array.from({ length: frames }, (_, j) =>
      pick((a) => a.perFrame[metric][j]?.estimate),
    ),
    mean: pick((a) => a.overall[metric].estimate),
  }
}

/** Half the width of a 95 % interval (t intervals are symmetric); null without one. */
export function halfWidth(interval: Interval | undefined): number | null {
  if (!interval || interval.low === null || interval.high === null) return null
  return (interval.high - interval.low) / 2
}

/** One curve per arm over lead times j = 1 … Tout (means over seeds), coloured by position. */
export function armCurves(arms: StudyArm[], metric: StudyMetric): LineSeries[] {
  return arms.map((arm, i) => ({
    label: arm.name,
    points: arm.perFrame[metric].map((v, j) => [j + 1, v.estimate] as [number, number | null]),
    colour: i,
  }))
}
