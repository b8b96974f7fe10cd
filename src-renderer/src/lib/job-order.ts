/**
 * Where `jobs.reorder` should put a queued job moved one place up (-1) or down (+1): the job
 * to go in front of, null for the end of the queue, or undefined when it cannot move.
 */
export function moveTarget(order: number[], jobId: number, by: -1 | 1): number | null | undefined {
  const at = order.indexOf(jobId)
  const target = at + by
  if (at < 0 || target < 0 || target >= order.length) return undefined
  return by === -1 ? order[target]! : (order[target + 1] ?? null)
}
