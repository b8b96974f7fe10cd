import type { ActiveJob } from '@contract/index'

/**
 * What a job handed to its executor is doing, for the queue: a Slurm job still pending is
 * not training, and the user should see why it waits.
 */
export function jobActivity(job: Pick<ActiveJob, 'kind' | 'waiting'>): string {
  if (job.waiting) return `queued in Slurm: ${job.waiting}`
  return job.kind === 'train' ? 'training now' : 'evaluating now'
}
