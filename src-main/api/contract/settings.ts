import { z } from 'zod'
import { Executor } from '../../domain/runs'
import { SlurmSettings } from '../../domain/cluster'

/**
 * Settings of the workspace, kept in its database (`settings`), so every window, `tmu serve`
 * and the desktop app read the same ones. Per-browser choices (theme, the new-run backend)
 * stay in that browser's storage.
 */
export const WorkspaceSettings = z.object({
  /** At start, queue runs a stopped workbench left interrupted again (they resume from their last checkpoint). */
  resumeInterruptedRuns: z.boolean().default(true),
  /** Where runs train: trainer processes here, or one Slurm job per run (README "Clusters"). */
  executor: Executor.default('local'),
  /** The sbatch options of runs that go to Slurm. */
  slurm: SlurmSettings.prefault({}),
})
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>

export const UpdateSettingsInput = WorkspaceSettings.partial()
