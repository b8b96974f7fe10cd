import { readFileSync } from 'node:fs'
import { ComparePage, DatasetsPage, NewRunPage } from './pages/journey-pages'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

/** Tiny shapes: the journey has to train two runs on 2 cores within the spec's minute. */
const TINY_RUN = {
  Layers: 1,
  'Hidden channels per layer': 4,
  'Kernel size': 3,
  'Patch size': 4,
  'Input frames (Tin)': 3,
  'Output frames (Tout)': 3,
  'Batch size': 4,
  Iterations: 6,
  'Evaluate every': 3,
  'Checkpoint every': 6,
}

test('a new user generates data, trains two runs and compares them', async ({ page, serve }) => {
  test.setTimeout(90_000)
  const shot = (name: string) =>
    page.screenshot({ path: test.info().outputPath(name), fullPage: true })
  const app = new WorkbenchPage(page)
  await app.open(serve.url)

  await app.goTo('Datasets')
  await new DatasetsPage(page).generate('tiny digits', {
    'Canvas (px)': 32,
    'Digit size (px)': 16,
    'Clip length (frames)': 6,
    'Train clips': 16,
    'Validation clips': 4,
    'Test clips': 4,
  })
  await page
    .locator('tr[data-dataset="tiny digits"]')
    .getByRole('button', { name: 'tiny digits', exact: true })
    .click()
  await expect(page.getByRole('img', { name: /train #0, frame 1/ })).toBeVisible()
  await shot('datasets.png')

  await app.goTo('Experiments')
  await new ExperimentsPage(page).create('Tiny study', 'two tiny runs')
  await page.getByRole('link', { name: 'Tiny study' }).click()
  await page.getByRole('link', { name: 'New run' }).click()
  const newRun = new NewRunPage(page)
  await newRun.create({ name: 'convlstm-a', dataset: 'tiny digits', numbers: TINY_RUN })
  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  await newRun.create({
    name: 'predrnn-b',
    dataset: 'tiny digits',
    cell: 'predrnn',
    numbers: TINY_RUN,
  })

  // Runs queue one at a time: when the second completes, both have.
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 60_000 })
  await expect(page.getByTestId('run-iteration')).toHaveText('6 / 6')
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible()
  await shot('run-detail.png')
  // The log is the run's, not the page's: a reload still shows how it went.
  await page.reload()
  await expect(page.getByTestId('run-log')).toContainText('completed')
  await expect(page.getByText(/\d+(\.\d+)? MB on disk/)).toBeVisible()

  await page.getByRole('link', { name: 'Runs', exact: true }).click()
  await page.getByLabel('Select convlstm-a').check()
  await page.getByLabel('Select predrnn-b').check()
  await expect(page.locator('tr[data-key="model.cell"]')).toContainText('predrnn')
  await shot('runs.png')

  await app.goTo('Compare')
  const compare = new ComparePage(page)
  await compare.pick('convlstm-a')
  await compare.pick('predrnn-b')
  await expect(compare.playerRow('predrnn-b').getByRole('img').first()).toBeVisible()
  await expect(compare.frameLabel).toContainText('t+1')
  await page.locator('body').press('ArrowRight')
  await expect(compare.frameLabel).toContainText('t+2')
  await page.locator('body').press('Shift+ArrowRight')
  await expect(compare.frameLabel).toContainText('t+3')
  await expect(page.getByRole('img', { name: 'MSE per frame' })).toBeVisible()
  await expect(page.getByRole('region', { name: 'Where transfer helped' })).toContainText('clip')
  await compare.playerRow('Ground truth').getByRole('img').hover()
  await expect(page.locator('[data-probe]').first()).toBeVisible()
  await shot('compare.png')

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export GIF' }).click()
  const gif = await download
  expect(gif.suggestedFilename()).toMatch(/\.gif$/)
  const bytes = readFileSync(await gif.path())
  expect(bytes.subarray(0, 6).toString('latin1')).toBe('GIF89a')
  app.expectNoErrors()
})
