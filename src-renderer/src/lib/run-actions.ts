import type { Input, RunStatus } from '@contract/index'

export type RunAction = Input<'runs.control'>['action']

/** The controls the main side accepts in each status (see runs-service control()). */
export function availableActions(status: RunStatus): RunAction[] {
  switch (status) {
    case 'running':
      return ['pause', 'cancel']
    case 'paused':
      return ['resume', 'cancel']
    case 'queued':
      return ['cancel']
    case 'interrupted':
    case 'failed':
    case 'cancelled':
      return ['resume', 'restart']
    case 'completed':
      return ['restart']
  }
}

/** Training and paused runs hold a trainer process; they cannot be deleted until stopped. */
export function isActive(status: RunStatus): boolean {
  return status === 'running' || status === 'paused' || status === 'queued'
}
