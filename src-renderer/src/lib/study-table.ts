import type { Interval, StudyArm, StudyMetric } from '@contract/index'
import type { LineSeries, ShadedRegion } from '../composables/useLineChart'

/** Lower MSE and MAE are better, higher SSIM and PSNR are. */
const BETTER: Record<StudyMetric, (a: number, b: number) => boolean> = {
  mse: (a, b) => a < b,
  mae: (a, b) => a < b,
  ssim: (a, b) => a > b,
  psnr: (a, b) => a > b,
}

/**
 * Lead times a study scored: t+1 … t+`trained` on the horizon its runs trained for, then
 * `beyond` more past it (docs/method.md §5.2), the most of any arm.
 */
export function leadTimes(arms: StudyArm[]): { trained: number; beyond: number } {
  return {
    trained: Math.max(0, ...arms.map((a) => a.perFrame.mse.length)),
    beyond: Math.max(0, ...arms.map((a) => a.beyond.mse.length)),
  }
}

/** Lead times `from` … `to` as the page names them: "t+6–t+10", or "t+6" alone. */
export const leadTimeSpan = (from: number, to: number) =>
  from === to ? `t+${from}` : `t+${from}–t+${to}`

/**
 * The spans of trained lead times and of those past the horizon (null: none scored there);
 * "—" before any arm is scored.
 */
export function leadTimeSpans(arms: StudyArm[]): { trained: string; beyond: string | null } {
  const { trained, beyond } = leadTimes(arms)
  return {
    trained: trained ? leadTimeSpan(1, trained) : '—',
    beyond: beyond ? leadTimeSpan(trained + 1, trained + beyond) : null,
  }
}

/**
 * Which arm is best in each column of the results table, by its mean over seeds: per lead
 * time j (index j), for the mean over the trained lead times (`mean`) and for the mean past
 * the horizon (`beyondMean`). Arms without a score in a column are passed over; ties go to
 * the first arm.
 */
export function bestArms(
  arms: StudyArm[],
  metric: StudyMetric,
): { perFrame: (number | null)[]; mean: number | null; beyondMean: number | null } {
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
    beyondMean: pick((a) => a.beyondOverall[metric].estimate),
  }
}

/** Half the width of a 95 % interval (t intervals are symmetric); null without one. */
export function halfWidth(interval: Interval | undefined): number | null {
  if (!interval || interval.low === null || interval.high === null) return null
  return (interval.high - interval.low) / 2
}

/**
 * One curve per arm over its lead times, the trained ones and on past the horizon (means over
 * seeds, with their 95 % intervals as the band), coloured by position. An arm scored on fewer
 * trained lead times than the study still starts its past-horizon points after the study's.
 */
export function armCurves(arms: StudyArm[], metric: StudyMetric): LineSeries[] {
  const { trained } = leadTimes(arms)
  return arms.map((arm, i) => {
    const scored = [
      ...arm.perFrame[metric].map((v, j) => ({ x: j + 1, v })),
      ...arm.beyond[metric].map((v, j) => ({ x: trained + j + 1, v })),
    ]
    return {
      label: arm.name,
      points: scored.map(({ x, v }) => [x, v.estimate] as [number, number | null]),
      band: scored.map(({ v }) => [v.low, v.high] as [number | null, number | null]),
      colour: i,
    }
  })
}

/** The lead times past the trained horizon, shaded on the curves; null where none were scored. */
export function beyondRegion(arms: StudyArm[]): ShadedRegion | null {
  const { trained, beyond } = leadTimes(arms)
  // Halfway between the last trained lead time and the first past it.
  return beyond ? { fromX: trained + 0.5, label: 'beyond training' } : null
}
