import type { Run } from '@contract/index'

/**
 * A run still running at its last iteration is scoring the test set: the trainer sends its
 * last progress message (iteration = total) and checkpoint just before the test evaluation,
 * and `completed` once it has been filed. Derived, so a reloaded page says so too.
 */
export function isEvaluating(run: Pick<Run, 'status' | 'iteration' | 'config'>): boolean {
  return run.status === 'running' && run.iteration >= run.config.train.iterations
}

/** The status a person reads: `evaluating` for a running run past its last iteration. */
export function displayStatus(run: Pick<Run, 'status' | 'iteration' | 'config'>): string {
  return isEvaluating(run) ? 'evaluating' : run.status
}
