import { WorkbenchError, type ParsedInput } from '../api/contract'
import type { Executor } from '../domain/runs'
import { createLocalExecutor, type JobExecutor } from '../jobs/executor'
import { createSlurmExecutor, previewBatchScript } from '../jobs/slurm/slurm-executor'
import type { SettingsService } from './settings-service'

/**
 * The executors jobs may run on: trainer processes of this machine, or Slurm with the
 * workspace's sbatch settings as they are when a job is submitted.
 */
export function createExecutors(settings: SettingsService, concurrency: number) {
  const local = createLocalExecutor(concurrency)
  // One Slurm executor per distinct settings, so that they are checked once, not per run.
  let slurm: { key: string; executor: JobExecutor } | null = null
  const slurmExecutor = () => {
    const key = JSON.stringify(settings.get().slurm)
    if (slurm?.key !== key) {
      slurm = { key, executor: createSlurmExecutor({ settings: settings.get().slurm }) }
    }
    return slurm.executor
  }
  const named = (name: Executor): JobExecutor => (name === 'slurm' ? slurmExecutor() : local)
  return { current: () => named(settings.get().executor), named }
}

/**
 * Settings that would send jobs to Slurm are tried on it first (sbatch --test-only): an
 * unknown partition or a time limit it refuses is an error now, and nothing is written.
 */
export function checkExecutorSettings(
  settings: SettingsService,
  patch: ParsedInput<'settings.update'>,
): ParsedInput<'settings.update'> {
  const next = { ...settings.get(), ...patch }
  if (next.executor !== 'slurm' || (patch.executor === undefined && patch.slurm === undefined)) {
    return patch
  }
  try {
    createSlurmExecutor({ settings: next.slurm }).check()
  } catch (error) {
    throw new WorkbenchError('invalid_input', (error as Error).message)
  }
  return patch
}

/** The batch script a new run would go in with, or null when runs train on this machine. */
export function batchScriptPreview(settings: SettingsService, runsDir: string): string | null {
  const { executor, slurm } = settings.get()
  return executor === 'slurm' ? previewBatchScript(slurm, runsDir) : null
}
