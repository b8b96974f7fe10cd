import { z } from 'zod'

/** What a run is for and where it stands: stored by the store, shown by the contract. */

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
