import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Command } from 'commander'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from '../testing/slurm-cluster'
import { openTestWorkbench } from '../testing/test-workbench'
import { addExecutorOptions, saveExecutorOptions, type ExecutorOptions } from './executor-options'

const unavailable = slurmUnavailable()
let cluster: SlurmCluster
beforeAll(async () => {
  if (!unavailable) cluster = await startSlurmCluster()
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

/** The flags as commander parses them from a command line. */
function parse(...args: string[]): ExecutorOptions {
  const command = addExecutorOptions(new Command().exitOverride())
  return command.parse(args, { from: 'user' }).opts<ExecutorOptions>()
}

async function settingsOf(workspace: string) {
  const wb = openTestWorkbench(workspace, 0)
  try {
    return await wb.call('settings.get', {})
  } finally {
    await wb.close()
  }
}

describe.skipIf(unavailable)(
  `tmu serve/study Slurm flags${unavailable ? ` (${unavailable})` : ''}`,
  () => {
    it('saves the flags into the workspace settings, refusing what Slurm refuses', async () => {
      const workspace = mkdtempSync(join(tmpdir(), 'tmu-flags-'))
      await saveExecutorOptions(
        workspace,
        parse(
          '--executor',
          'slurm',
          '--partition',
          cluster.partition,
          '--time',
          '10:00',
          '--cpus-per-task',
          '1',
          '--sbatch-option',
          '--nice=10',
        ),
      )
      const saved = await settingsOf(workspace)
      expect(saved.executor).toBe('slurm')
      expect(saved.slurm).toEqual({
        partition: cluster.partition,
        account: '',
        timeLimit: '10:00',
        gres: '',
        cpusPerTask: 1,
        memory: '',
        extraOptions: ['--nice=10'],
      })

      await expect(saveExecutorOptions(workspace, parse('--partition', 'nope'))).rejects.toThrow(
        /Slurm settings \(partition\): sbatch says: invalid partition specified: nope/,
      )
      await expect(saveExecutorOptions(workspace, parse('--time', 'soon'))).rejects.toThrow(
        /timeLimit.*not a Slurm time/,
      )
      // Shorter than Slurm's two-minute warning and some training: it would requeue at once.
      await expect(saveExecutorOptions(workspace, parse('--time', '2:30'))).rejects.toThrow(
        /time limit\): 2:30 is too short; runs need at least 5 minutes/,
      )
      expect(await settingsOf(workspace)).toEqual(saved)
    }, 60_000)
  },
)
