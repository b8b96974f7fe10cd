import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { SlurmSettings } from '../../domain/cluster'
import { checkSlurmSettings } from './slurm-executor'

// Not `sbatch --version`: outside a cluster even that fails, for want of a configuration.
const hasSbatch = (() => {
  try {
    execFileSync('sh', ['-c', 'command -v sbatch'], { stdio: 'pipe' })
    return true
  } catch {
    return false
  }
})()
// The real cluster tests name their cluster through SLURM_CONF; this one needs a machine
// with the Slurm client and no cluster at all, as a laptop with Debian's slurm-client is.
const skip = !hasSbatch
  ? 'sbatch is not installed'
  : existsSync('/etc/slurm/slurm.conf')
    ? 'this machine belongs to a cluster (/etc/slurm/slurm.conf)'
    : false

// The reason rides in the title, so a skipped run says why.
describe.skipIf(skip)(
  `Slurm settings on a machine outside any cluster${skip ? ` (${skip})` : ''}`,
  () => {
    it('says that no controller answers and where to run instead, blaming no field', () => {
      const conf = process.env.SLURM_CONF
      delete process.env.SLURM_CONF
      try {
        expect(() => checkSlurmSettings(SlurmSettings.parse({ partition: 'gpu' }))).toThrow(
          /^Slurm: sbatch on this machine reaches no Slurm controller \(.+\)\. Start the workbench on the cluster's login node/,
        )
      } finally {
        if (conf !== undefined) process.env.SLURM_CONF = conf
      }
    })
  },
)
