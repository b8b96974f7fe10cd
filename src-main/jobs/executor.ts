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

/** A job handed to an executor: its id, what its trainer runs, where its reports go. */
export interface JobLaunch {
  jobId: number
  spec: TrainJobSpec
  events: JobEvents
}

/**
 * The seam between the job queue and where trainers run: this machine's processes, or one
 * Slurm job per run. The queue, run states and controls are the same through either.
 */
export interface JobExecutor {
  readonly name: Executor
  /** Jobs handed to it at once (Slurm queues the rest itself). */
  readonly concurrency: number
  /**
   * Its own scheduler holds a job until the jobs it depends on succeeded (Slurm's afterok)
   * and runs jobs filed together as one job array. Without one (local), the queue hands
   * over a job only once the runs it trains on completed, and one job per start.
   */
  readonly schedules: boolean
  /** Throws, naming the setting, if a job could not be handed over as configured. */
  check(): void
  /**
   * Starts one job, or (an executor that schedules) several as one job array, each held
   * until the executor's jobs named in `after` succeeded; one handle per launch, in order.
   */
  start(launches: JobLaunch[], after: string[]): TrainerHandle[]
  /** Follows a job a stopped server left running; null if it cannot be followed. */
  reattach(job: DetachedJob, events: JobEvents): TrainerHandle | null
}

/** Today's trainer: a process of this machine, forked per job, speaking over IPC. */
export function createLocalExecutor(concurrency: number): JobExecutor {
  return {
    name: 'local',
    concurrency,
    schedules: false,
    check() {},
    start: (launches) =>
      launches.map(({ spec, events }) => {
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
      }),
    // A local trainer ends with the process that forked it: nothing is left to follow.
    reattach: () => null,
  }
}
