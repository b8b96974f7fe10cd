import { WorkbenchError, type ActiveJob } from '../api/contract'
import type { TrainerExit, TrainerHandle } from '../jobs/job-host'
import type { JobRow, JobsRepo } from '../store/jobs-repo'
import { createLogger } from '../util/logger'

const log = createLogger('jobs')

export interface JobQueueOptions {
  repo: JobsRepo
  /**
   * Jobs started at once, asked at each pump: the executor's (1 trainer process on a GPU,
   * configurable on CPU; Slurm takes them all and queues them itself); 0 runs none.
   */
  concurrency(): number
  /** Starts the trainer for a job; throwing fails the job with that message. */
  launch(job: JobRow): TrainerHandle
  /** Follows again a job a stopped process left running elsewhere (Slurm); null if none. */
  reattach(job: JobRow): TrainerHandle | null
  /** Called once per job when its trainer has exited. */
  settled(job: JobRow, exit: TrainerExit): void
  /** Called when a job could not start at all. */
  failedToStart(job: JobRow, error: Error): void
}

/**
 * Runs queued jobs in order, `concurrency` at a time. The order and states live in SQLite,
 * so the queue survives a restart; jobs found `running` at start are followed again where
 * they live on (Slurm jobs), else they belonged to a process that died and are marked
 * interrupted (`recover`).
 */
export function createJobQueue(options: JobQueueOptions) {
  const running = new Map<number, { job: JobRow; handle: TrainerHandle }>()
  let closing = false

  function pump() {
    if (closing) return
    for (const job of options.repo.queued()) {
      if (running.size >= options.concurrency()) return
      start(job)
    }
  }

  function start(job: JobRow) {
    let handle: TrainerHandle
    try {
      handle = options.launch(job)
    } catch (error) {
      options.repo.setState(job.id, 'failed', (error as Error).message)
      options.failedToStart(job, error as Error)
      return
    }
    options.repo.setState(job.id, 'running')
    log.info('trainer started', { jobId: job.id, runId: job.runId, pid: handle.pid })
    track(job, handle)
  }

  function track(job: JobRow, handle: TrainerHandle) {
    running.set(job.id, { job, handle })
    void handle.exited.then((exit) => {
      running.delete(job.id)
      log.info('trainer exited', { jobId: job.id, code: exit.code, signal: exit.signal })
      try {
        options.settled(job, exit)
      } finally {
        pump()
      }
    })
  }

  return {
    pump,
    enqueue(runId: number, kind: JobRow['kind']): number {
      const id = options.repo.enqueue(runId, kind)
      pump()
      return id
    },
    /** Running jobs, then queued ones by position; pids of the trainers this process runs. */
    active(): ActiveJob[] {
      let place = 0
      return options.repo.active().map((job) => ({
        id: job.id,
        runId: job.runId,
        runName: job.runName,
        kind: job.kind,
        state: job.state === 'running' ? 'running' : 'queued',
        position: job.state === 'queued' ? ++place : null,
        pid: running.get(job.id)?.handle.pid ?? null,
        createdAt: job.createdAt,
        startedAt: job.startedAt,
      }))
    },
    /** Moves queued job `jobId` in front of queued job `beforeJobId` (null: to the end). */
    reorder(jobId: number, beforeJobId: number | null) {
      for (const id of beforeJobId === null ? [jobId] : [jobId, beforeJobId]) {
        const job = options.repo.get(id)
        if (!job) throw new WorkbenchError('not_found', `job ${id} does not exist`)
        if (job.state !== 'queued') {
          throw new WorkbenchError('conflict', `job ${id} is ${job.state}; only queued jobs move`)
        }
      }
      if (jobId !== beforeJobId) options.repo.reorder(jobId, beforeJobId)
    },
    /** The live trainer of a run, if one is running. */
    handleOf(runId: number): TrainerHandle | undefined {
      for (const entry of running.values()) if (entry.job.runId === runId) return entry.handle
      return undefined
    },
    /**
     * Follows again the jobs left `running` that live on without this process; marks the
     * rest (their trainer died with the process) interrupted and returns their run ids.
     */
    recover(): number[] {
      const orphans: number[] = []
      for (const job of options.repo.inState('running')) {
        const handle = options.reattach(job)
        if (handle) {
          log.info('trainer re-attached', { jobId: job.id, runId: job.runId })
          track(job, handle)
        } else {
          options.repo.setState(job.id, 'interrupted', 'the workbench stopped while this job ran')
          orphans.push(job.runId)
        }
      }
      return orphans
    },
    /**
     * Asks every local trainer to checkpoint and stop, and waits for them; jobs that live on
     * without this process (Slurm) are left running, to be re-attached at the next start.
     */
    async close() {
      closing = true
      const exits = [...running.values()].map(({ handle }) => {
        if (handle.detach) return handle.detach()
        handle.stop()
        return handle.exited
      })
      await Promise.all(exits)
    },
  }
}

export type JobQueue = ReturnType<typeof createJobQueue>
