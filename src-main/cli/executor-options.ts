import { Option, type Command } from 'commander'
import { Executor, type SlurmSettings } from '../api/contract'
import { withWorkbench } from './open-workbench'

export interface ExecutorOptions {
  executor?: Executor
  partition?: string
  account?: string
  time?: string
  gres?: string
  cpusPerTask?: number
  mem?: string
  sbatchOption?: string[]
}

/**
 * Where the command's runs train, as flags: saved in the workspace's settings (as the
 * Settings page would), so a later `tmu serve` or window shows and uses the same.
 */
export function addExecutorOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--executor <where>',
        'train here (local) or as one Slurm job per run (slurm)',
      ).choices(Executor.options),
    )
    .option('--partition <name>', 'Slurm partition (sbatch --partition)')
    .option('--account <name>', 'Slurm account to charge (sbatch --account)')
    .option('--time <limit>', 'Slurm time limit per run, e.g. 2:00:00 (sbatch --time)')
    .option('--gres <gres>', 'Slurm generic resources, e.g. gpu:1 (sbatch --gres)')
    .option('--cpus-per-task <n>', 'CPUs per run (sbatch --cpus-per-task)', (v) => {
      const n = Number(v)
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`--cpus-per-task: "${v}" is not a count ≥ 1`)
      return n
    })
    .option('--mem <size>', 'memory per run, e.g. 16G (sbatch --mem)')
    .option(
      '--sbatch-option <option>',
      'a further sbatch option, e.g. --qos=long (repeatable)',
      (option: string, all: string[] = []) => [...all, option],
    )
}

/**
 * Writes the flags given into the workspace's settings, checked with Slurm first. Done
 * before the command opens the workspace to run jobs, so none starts on the old settings.
 */
export async function saveExecutorOptions(workspace: string, opts: ExecutorOptions) {
  const given: Partial<SlurmSettings> = {
    ...(opts.partition !== undefined ? { partition: opts.partition } : {}),
    ...(opts.account !== undefined ? { account: opts.account } : {}),
    ...(opts.time !== undefined ? { timeLimit: opts.time } : {}),
    ...(opts.gres !== undefined ? { gres: opts.gres } : {}),
    ...(opts.cpusPerTask !== undefined ? { cpusPerTask: opts.cpusPerTask } : {}),
    ...(opts.mem !== undefined ? { memory: opts.mem } : {}),
    ...(opts.sbatchOption !== undefined ? { extraOptions: opts.sbatchOption } : {}),
  }
  if (opts.executor === undefined && Object.keys(given).length === 0) return
  await withWorkbench({ workspace }, async (workbench) => {
    const current = await workbench.call('settings.get', {})
    await workbench.call('settings.update', {
      ...(opts.executor ? { executor: opts.executor } : {}),
      slurm: { ...current.slurm, ...given },
    })
  })
}
