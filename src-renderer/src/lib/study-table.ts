import type { StudyArm } from '@contract/index'
import type { LineSeries } from '../composables/useLineChart'

export type StudyMetric = 'mse' | 'ssim'

/** Lower MSE is better, higher SSIM is. */
const BETTER: Record<StudyMetric, (a: number, b: number) => boolean> = {
  mse: (a, b) => a < b,
  ssim: (a, b) => a > b,
}

/**
 * Which arm is best in each column of the results table: per lead time j (index j) and for the
 * mean (`mean`). Arms without a score in a column are passed over; ties go to the first arm.
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
  const frames = Math.max(0, ...arms.map((a) => a[metric].length))
  return {
    perFrame: Array.from({ length: frames }, (_, j) => pick((a) => a[metric][j])),
    mean: pick((a) => (metric === 'mse' ? a.meanMse : a.meanSsim)),
  }
}

/** One curve per arm over lead times j = 1 … Tout, coloured by the arm's position. */
export function armCurves(arms: StudyArm[], metric: StudyMetric): LineSeries[] {
  return arms.map((arm, i) => ({
    label: arm.name,
    points: arm[metric].map((v, j) => [j + 1, v] as [number, number | null]),
    colour: i,
  }))
}
