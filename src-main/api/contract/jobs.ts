import { z } from 'zod'
import { RunId } from '../../domain/runs'

export const JobId = z.number().int().positive()
export type JobId = z.infer<typeof JobId>

/** A job that has not finished: training or evaluating now, or waiting in the queue. */
export const ActiveJob = z.object({
  id: JobId,
  runId: RunId,
  runName: z.string(),
  kind: z.enum(['train', 'evaluate']),
  state: z.enum(['queued', 'running']),
  /** Place in the queue, 1 = starts next; null while running. */
  position: z.number().int().positive().nullable(),
  /** The trainer's process id while running (null when queued, or run by another process). */
  pid: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  /**
   * Why a running job has not started training: it is queued in Slurm, for this pending
   * reason in words (pending-reasons.ts); null while it trains.
   */
  waiting: z.string().nullable(),
})
export type ActiveJob = z.infer<typeof ActiveJob>

export const ReorderJobInput = z.object({
  jobId: JobId,
  /** The queued job to move in front of; null moves it to the end of the queue. */
  beforeJobId: JobId.nullable(),
})

/** Bytes a run's folder takes in the workspace: checkpoints, predictions, evaluations. */
export const RunUsage = z.object({ runId: RunId, bytes: z.number().int().nonnegative() })
export type RunUsage = z.infer<typeof RunUsage>
