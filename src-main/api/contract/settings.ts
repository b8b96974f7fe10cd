import { z } from 'zod'

/**
 * Settings of the workspace, kept in its database (`settings`), so every window, `tmu serve`
 * and the desktop app read the same ones. Per-browser choices (theme, the new-run backend)
 * stay in that browser's storage.
 */
export const WorkspaceSettings = z.object({
  /** At start, queue runs a stopped workbench left interrupted again (they resume from their last checkpoint). */
  resumeInterruptedRuns: z.boolean().default(true),
})
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>

export const UpdateSettingsInput = WorkspaceSettings.partial()
