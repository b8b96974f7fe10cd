import { z } from 'zod'
import { BackendProbe } from '../../domain/backends'

export const DoctorReport = z.object({
  version: z.string(),
  node: z.string(),
  platform: z.string(),
  workspace: z.string(),
  sqlite: z.string(),
  schemaVersion: z.number().int(),
  backends: z.array(BackendProbe),
})
export type DoctorReport = z.infer<typeof DoctorReport>

export const SystemInfo = z.object({
  version: z.string(),
  transport: z.enum(['ipc', 'websocket', 'in-process']),
  workspaceName: z.string(),
})
export type SystemInfo = z.infer<typeof SystemInfo>
