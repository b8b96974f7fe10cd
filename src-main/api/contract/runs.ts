import { z } from 'zod'
import { ExperimentId } from './experiments'

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

export const Run = z.object({
  id: RunId,
  experimentId: ExperimentId,
  name: z.string(),
  kind: RunKind,
  config: z.record(z.string(), z.unknown()),
  status: RunStatus,
  backend: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
})
export type Run = z.infer<typeof Run>
