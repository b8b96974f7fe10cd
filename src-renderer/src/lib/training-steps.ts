import type { StepPredictions } from '@contract/index'

/**
 * Where runs can be stepped through together: the iterations any of them evaluated at, from the
 * latest first evaluation on (so each run has one at or before every step), and the kept clips
 * they share.
 */
export function sharedStepAxis(runs: StepPredictions[]): { iterations: number[]; clips: number[] } {
  if (!runs.length || runs.some((r) => !r.iterations.length)) return { iterations: [], clips: [] }
  const from = Math.max(...runs.map((r) => r.iterations[0]!))
  const iterations = [...new Set(runs.flatMap((r) => r.iterations))]
    .filter((i) => i >= from)
    .sort((a, b) => a - b)
  const clips = runs[0]!.clips.filter((c) => runs.every((r) => r.clips.includes(c)))
  return { iterations, clips }
}

/** The run's latest evaluation at or before `iteration` (its first, if it has none before). */
export function iterationAtOrBefore(iterations: number[], iteration: number): number {
  let found = iterations[0] ?? 0
  for (const i of iterations) if (i <= iteration) found = i
  return found
}
