import { hostname } from 'node:os'
import type { Executor } from '../domain/runs'
import { startTrainer, type TrainerHandle } from './job-host'
import type { TrainerMessage, TrainJobSpec } from './trainer-protocol'

/** Where a job stands with its executor: Slurm's state and reason, the node it landed on. */
export interface JobPlacement {
  executor: Executor
  slurmJobId: string | null
  node: string | null
  partition: string | null
  /** `running`, or `pending` while Slurm holds it back (`reason` says why). */
  state: 'pending' | 'running'
  /** Why Slurm holds it back, in words (null when running). */
  reason: string | null
}

/** What an executor reports about a job, for the server to file (it alone writes SQLite). */
export interface JobEvents {
  message(message: TrainerMessage): void
  placed(placement: JobPlacement): void
  /** How far the job's message file has been read: a restart re-attaches from there. */
  consumed(offset: number): void
}

/** Where a job record points, so a restarted server can follow it again. */
export interface DetachedJob {
  jobId: number
  runDir: string
  slurmJobId: string
  offset: number
}

/**
 * The seam between the job queue and where trainers run: this machine's processes, or one
 * Slurm job per run. The queue, run states and controls are the same through either.
 */
export interface JobExecutor {
  readonly name: Executor
  /** Jobs handed to it at once (Slurm queues the rest itself). */
  readonly concurrency: number
  /** Throws, naming the setting, if a job could not be handed over as configured. */
  check(): void
  start(jobId: number, spec: TrainJobSpec, events: JobEvents): TrainerHandle
  /** Follows a job a stopped server left running; null if it cannot be followed. */
  reattach(job: DetachedJob, events: JobEvents): TrainerHandle | null
}

/** Today's trainer: a process of this machine, forked per job, speaking over IPC. */
export function createLocalExecutor(concurrency: number): JobExecutor {
  return {
    name: 'local',
    concurrency,
    check() {},
    start(_jobId, spec, events) {
      const handle = startTrainer(spec, (message) => events.message(message))
      events.placed({
        executor: 'local',
        slurmJobId: null,
        node: hostname(),
        partition: null,
        state: 'running',
        reason: null,
      })
      return handle
    },
    // A local trainer ends with the process that forked it: nothing is left to follow.
    reattach: () => null,
  }
}
