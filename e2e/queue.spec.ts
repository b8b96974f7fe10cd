import { DatasetsPage, NewRunPage } from './pages/journey-pages'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

/** Long enough to stay queued behind each other for the whole spec; all cancelled at the end. */
const LONG_RUN = {
  Layers: 1,
  'Hidden channels per layer': 4,
  'Kernel size': 3,
  'Patch size': 4,
  'Input frames (Tin)': 3,
  'Output frames (Tout)': 3,
  'Batch size': 4,
  Iterations: 100_000,
  'Evaluate every': 50_000,
  'Checkpoint every': 50_000,
}

test('the queue shows waiting runs, reorders them and cancels them', async ({ page, serve }) => {
  test.setTimeout(90_000)
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Datasets')
  await new DatasetsPage(page).generate('queue digits', {
    'Canvas (px)': 32,
    'Digit size (px)': 16,
    'Clip length (frames)': 6,
    'Train clips': 8,
    'Validation clips': 0,
    'Test clips': 4,
  })
  await app.goTo('Experiments')
  await new ExperimentsPage(page).create('Queue')
  const newRun = new NewRunPage(page)
  for (const name of ['first', 'second', 'third']) {
    await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
    // cpu keeps each run long enough to watch the queue hold the others back.
    await newRun.create({ name, dataset: 'queue digits', backend: 'cpu', numbers: LONG_RUN })
  }

  await page.getByRole('link', { name: 'Runs', exact: true }).click()
  const queue = page.getByRole('region', { name: 'Job queue' })
  await expect(queue.locator('[data-job]')).toHaveText([/second/, /third/])
  await queue.getByRole('button', { name: 'Move second down' }).click()
  await expect(queue.locator('[data-job]')).toHaveText([/third/, /second/])

  for (const name of ['third', 'second']) {
    await queue.locator(`[data-job="${name}"]`).getByRole('button', { name: 'Cancel' }).click()
  }
  await expect(queue.locator('[data-job]')).toHaveCount(0)
  await queue.getByRole('button', { name: 'Cancel' }).click()
  await expect(queue).toBeHidden({ timeout: 30_000 })
  app.expectNoErrors()
})
