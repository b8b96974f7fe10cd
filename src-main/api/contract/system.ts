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
  /**
   * Whether the desktop app's native addons load in its Electron: one sentence per addon that
   * does not, naming the fix. Null where Electron is not installed (the CLI and serve mode
   * need none).
   */
  desktop: z.object({ electron: z.string(), problems: z.array(z.string()) }).nullable(),
})
export type DoctorReport = z.infer<typeof DoctorReport>

export const SystemInfo = z.object({
  version: z.string(),
  transport: z.enum(['ipc', 'websocket', 'in-process']),
  workspaceName: z.string(),
  /** Folders imports may read whatever the settings say: `--import-root`, else the home folder. */
  fixedImportRoots: z.array(z.string()),
})
export type SystemInfo = z.infer<typeof SystemInfo>
