import type { Run } from '@contract/index'

/** Runs that may join the zoo: completed, not TMU targets, and not members already. */
export function zooCandidates(runs: Run[], memberIds: ReadonlySet<number>): Run[] {
  return runs.filter((r) => r.status === 'completed' && !r.config.model.tmu && !memberIds.has(r.id))
}
