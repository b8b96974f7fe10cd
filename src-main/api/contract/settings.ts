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
  /**
   * Folders dataset and model imports may read, beside the ones the workbench started with
   * (`--import-root`, else the home folder). Kept absolute with links resolved.
   */
  importRoots: z.array(z.string().min(1).max(4096)).max(100).default([]),
  /** Where runs train: trainer processes here, or one Slurm job per run (README "Clusters"). */
  executor: Executor.default('local'),
  /** The sbatch options of runs that go to Slurm. */
  slurm: SlurmSettings.prefault({}),
})
export type WorkspaceSettings = z.infer<typeof WorkspaceSettings>

type SettingsShape = typeof WorkspaceSettings.shape

/**
 * Any of the settings, without their defaults: zod's `.partial()` would fill in the defaults
 * of the settings left out, and an update of one setting would reset all the others.
 */
export const UpdateSettingsInput = z.object(
  Object.fromEntries(
    Object.entries(WorkspaceSettings.shape).map(([key, schema]) => [
      key,
      schema.unwrap().optional(),
    ]),
  ) as { [K in keyof SettingsShape]: z.ZodOptional<ReturnType<SettingsShape[K]['unwrap']>> },
)
