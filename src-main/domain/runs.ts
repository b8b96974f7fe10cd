import { z } from 'zod'

/** What a run is, where it stands and how far it got: the store keeps it, the trainer
 *  reports it, the contract shows it. */

export const RunId = z.number().int().positive()
export type RunId = z.infer<typeof RunId>

export const RunKind = z.enum(['source', 'scratch', 'finetune', 'tmu'])
export type RunKind = z.infer<typeof RunKind>

export const RunStatus = z.enum([
  'queued',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
  'interrupted',
])
export type RunStatus = z.infer<typeof RunStatus>

/**
 * Test clips whose TMU maps (per-pixel gates, distiller departure, |C|) a TMU target keeps, the
 * first ones of the split: a handful to look at, not a dataset (a float32 map per pixel of
 * every clip would outweigh the uint8 predictions).
 */
export const TMU_MAP_CLIPS = 8

/** Where a run's trainer runs: a process of this machine, or a Slurm job on a cluster node. */
export const Executor = z.enum(['local', 'slurm'])
export type Executor = z.infer<typeof Executor>

/** A trainer's progress, relayed to every client as it trains. */
export const RunProgress = z.object({
  runId: RunId,
  iteration: z.number().int(),
  total: z.number().int(),
  loss: z.number(),
  /** Scheduled sampling's η at this iteration (docs/method.md §1.3), not a time. */
  samplingEta: z.number(),
  itersPerSecond: z.number(),
  /** Time left, estimated from the recent iteration rate. */
  etaSeconds: z.number().nullable(),
})
export type RunProgress = z.infer<typeof RunProgress>
