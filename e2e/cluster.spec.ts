import {
  slurmUnavailable,
  startSlurmCluster,
  type SlurmCluster,
} from '../src-main/testing/slurm-cluster'
import { ExecutorSettingsPage } from './pages/cluster-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

const unavailable = slurmUnavailable()

// Settings are tried on a real Slurm (sbatch --test-only) before they are saved; `tmu serve`
// finds the cluster through SLURM_CONF, which the cluster sets before the server starts.
let cluster: SlurmCluster
test.beforeAll(async () => {
  if (!unavailable) cluster = await startSlurmCluster()
})
test.afterAll(async () => {
  await cluster?.stop()
})

test('the new-run form shows the batch script the Slurm settings make', async ({ page, serve }) => {
  test.skip(unavailable !== null, unavailable ?? '')
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  await expect(form).toBeVisible()
  // Runs train on this machine: there is no script to show.
  await expect(page.getByLabel('Batch script')).toHaveCount(0)

  await app.goTo('Settings')
  await new ExecutorSettingsPage(page).useSlurm({
    Partition: cluster.partition,
    'Time limit': '1:30:00',
    'CPUs per task': '2',
    Memory: '1G',
    'Extra sbatch options, one per line': '--nice=10',
  })

  await app.openNewRunForm(serve.url)
  const script = page.getByLabel('Batch script')
  for (const line of [
    `#SBATCH --partition=${cluster.partition}`,
    '#SBATCH --time=1:30:00',
    '#SBATCH --cpus-per-task=2',
    '#SBATCH --mem=1G',
    '#SBATCH --nice=10',
    '#SBATCH --requeue',
  ]) {
    await expect(script).toContainText(line)
  }
  app.expectNoErrors()
})
