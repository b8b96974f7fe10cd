/**
 * Iterations per second over a sliding window (recent speed, not the average since start,
 * which the first slow iterations would distort) and the time left at that speed.
 */
const WINDOW_MS = 30_000

export function createProgressMeter(startIteration: number, totalIterations: number) {
  const samples: Array<{ at: number; iteration: number }> = [
    { at: Date.now(), iteration: startIteration },
  ]
  return {
    record(iteration: number): { itersPerSecond: number; etaSeconds: number | null } {
      const now = Date.now()
      samples.push({ at: now, iteration })
      while (samples.length > 2 && now - samples[0]!.at > WINDOW_MS) samples.shift()
      const first = samples[0]!
      const seconds = (now - first.at) / 1000
      const itersPerSecond = seconds > 0 ? (iteration - first.iteration) / seconds : 0
      const left = totalIterations - iteration
      return {
        itersPerSecond,
        etaSeconds: itersPerSecond > 0 ? left / itersPerSecond : null,
      }
    },
  }
}
