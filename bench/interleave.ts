/**
 * Two engines timed alternately (ours, the reference, ours, …), so both see the same machine:
 * on a shared machine the load moves within a minute, and figures taken minutes apart compare
 * the load, not the engines. Each engine's figure is the median of its timings.
 */

export interface PairedTimings {
  /** Seconds per call, in the order taken. */
  readonly ours: readonly number[]
  /** Null when there was no reference to time. */
  readonly reference: readonly number[] | null
}

/** `ours` is timed here; `reference` reports its own seconds (a separate process). */
export async function interleave(
  ours: () => Promise<void>,
  reference: (() => Promise<number>) | null,
  timings: number,
): Promise<PairedTimings> {
  const mine: number[] = []
  const theirs: number[] = []
  for (let i = 0; i < timings; i++) {
    const start = performance.now()
    await ours()
    mine.push((performance.now() - start) / 1000)
    if (reference) theirs.push(await reference())
  }
  return { ours: mine, reference: reference ? theirs : null }
}

export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
