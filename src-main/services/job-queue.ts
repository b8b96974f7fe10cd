import { WorkbenchError, type ActiveJob } from '../api/contract'
import type { TrainerExit, TrainerHandle } from '../jobs/job-host'
import type { JobRow, JobsRepo } from '../store/jobs-repo'
import { createLogger } from '../util/logger'

const log = createLogger('jobs')

export type Readiness =
  { state: 'ready'; after: string[] } | { state: 'wait' } | { state: 'refused'; reason: string }

export interface JobQueueOptions {
  repo: JobsRepo
  /**
   * Jobs started at once, asked at each pump: the executor's (1 trainer process on a GPU,
   * configurable on CPU; Slurm takes them all and queues them itself); 0 runs none.
   */
  concurrency(): number
  /**
   * Whether a job may start now: `ready` with the executor's jobs to wait for (Slurm holds
   * it on them), `wait` until the runs it trains on completed, or why it never can.
   */
  readiness(job: JobRow): Readiness
  /** Jobs filed together start together (one Slurm job array), else one by one. */
  startsTogether(): boolean
  /** Starts the trainers of jobs, one handle each; throwing fails them with that message. */
  launch(jobs: JobRow[], after: string[]): TrainerHandle[]
  /** Follows again a job a stopped process left running elsewhere (Slurm); null if none. */
  reattach(job: JobRow): TrainerHandle | null
  /** Why a job handed to its executor has not started training (Slurm's reason), or null. */
  waitingOf(job: JobRow): string | null
  /** Called once per job when its trainer has exited. */
  settled(job: JobRow, exit: TrainerExit): void
  /** Called when a job could not start at all. */
  failedToStart(job: JobRow, error: Error): void
}

/**
 * Runs queued jobs in order, `concurrency` at a time, each once the runs it trains on
 * completed (or, on Slurm, held by Slurm until they have). The order and states live in SQLite,
 * so the queue survives a restart; jobs found `running` at start are followed again where
 * they live on (Slurm jobs), else they belonged to a process that died and are marked
 * interrupted (`recover`).
 */
export function createJobQueue(options: JobQueueOptions) {
  const running = new Map<number, { job: JobRow; handle: TrainerHandle }>()
  let closing = false

  /**
   * Starts what may start, in queue order: a job waiting for the runs it trains on is passed
   * over, not in the way of those behind it. Again after each start, as a job may wait for
   * one that was just handed to Slurm.
   */
  function pump() {
    while (!closing && pumpOnce()) {
      // Each pass started something; look again.
    }
  }

  function pumpOnce(): boolean {
    const queued = options.repo.queued()
    const seen = new Set<number>()
    for (const job of queued) {
      if (seen.has(job.id)) continue
      if (running.size >= options.concurrency()) return false
      const group =
        job.arrayGroup !== null && options.startsTogether()
          ? queued.filter((j) => j.arrayGroup === job.arrayGroup)
          : [job]
      for (const member of group) seen.add(member.id)
      const readiness = group.map((member) => ({ member, is: options.readiness(member) }))
      for (const { member, is } of readiness) {
        if (is.state === 'refused') refuse(member, new Error(is.reason))
      }
      if (readiness.some(({ is }) => is.state === 'wait')) continue
      const ready = readiness.flatMap(({ member, is }) =>
        is.state === 'ready' ? [{ member, is }] : [],
      )
      if (ready.length === 0) continue
      start(
        ready.map(({ member }) => member),
        [...new Set(ready.flatMap(({ is }) => is.after))],
      )
      return true
    }
    return false
  }

  function refuse(job: JobRow, error: Error) {
    options.repo.setState(job.id, 'failed', error.message)
    options.failedToStart(job, error)
  }

  function start(jobs: JobRow[], after: string[]) {
    let handles: TrainerHandle[]
    try {
      handles = options.launch(jobs, after)
    } catch (error) {
      for (const job of jobs) refuse(job, error as Error)
      return
    }
    jobs.forEach((job, k) => {
      const handle = handles[k]!
      options.repo.setState(job.id, 'running')
      log.info('trainer started', { jobId: job.id, runId: job.runId, pid: handle.pid })
      track(job, handle)
    })
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
    /** Queues the training of runs that start together (the seeds of an arm). */
    enqueueGroup(runIds: number[]): number[] {
      const ids = options.repo.enqueueGroup(runIds, 'train')
      pump()
      return ids
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
        waiting: job.state === 'running' ? options.waitingOf(job) : null,
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
