import { DatasetsPage, NewRunPage } from './pages/journey-pages'
import { expectRunStatus, RestartControl } from './pages/recovery-pages'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'
import type { Page } from '@playwright/test'
import { expect, test } from './serve-fixture'

/** A few iterations on tiny shapes: each attempt is mostly the trainer's start. */
const TINY_RUN = {
  Layers: 1,
  'Hidden channels per layer': 4,
  'Kernel size': 3,
  'Patch size': 4,
  'Input frames (Tin)': 3,
  'Output frames (Tout)': 3,
  'Batch size': 4,
  Iterations: 4,
  'Evaluate every': 2,
  'Checkpoint every': 2,
}

async function setUp(page: Page, url: string, experiment: string) {
  const app = new WorkbenchPage(page)
  await app.open(url)
  await app.goTo('Datasets')
  await new DatasetsPage(page).generate('recovery digits', {
    'Canvas (px)': 32,
    'Digit size (px)': 16,
    'Clip length (frames)': 6,
    'Train clips': 8,
    'Validation clips': 4,
    'Test clips': 4,
  })
  await app.goTo('Experiments')
  await new ExperimentsPage(page).create(experiment)
  return app
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: test.info().outputPath(name), fullPage: true })

test('a failed run restarts on another backend, and its settings clone into a new run', async ({
  page,
  serve,
}) => {
  test.setTimeout(150_000)
  const app = await setUp(page, serve.url, 'Recovery')
  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  // A real failure: a learning rate no network survives overflows the loss within two steps.
  await new NewRunPage(page).create({
    name: 'diverges',
    dataset: 'recovery digits',
    backend: 'cpu',
    numbers: { ...TINY_RUN, 'Learning rate': 1e30 },
  })
  await expectRunStatus(page, 'failed')
  const error = page.getByRole('alert')
  await expect(error).toContainText(/on cpu; stopped\..*Try a lower learning rate/)
  const restart = new RestartControl(page, 'diverges')
  // The choice starts at a backend the run did not fail on.
  await expect(restart.backend).toHaveValue('wasm')
  await shot(page, 'run-failed.png')

  await restart.restartOn('wasm')
  await expect(page.getByText('on wasm', { exact: true })).toBeVisible({ timeout: 45_000 })
  await expectRunStatus(page, 'failed')
  await expect(error).toContainText(/on wasm; stopped\./)
  await expect(page.getByText('restarting on wasm (it ran on cpu), from the start')).toBeVisible()

  await page.getByRole('link', { name: 'Clone settings' }).click()
  const form = page.getByRole('form', { name: 'New run' })
  await expect(page.getByTestId('clone-of')).toContainText('diverges, which ran on wasm')
  await expect(form.getByLabel('Name', { exact: true })).toHaveValue('diverges (copy)')
  await expect(form.getByLabel('Backend')).toHaveValue('wasm')
  await expect(form.getByLabel('Learning rate', { exact: true })).toHaveValue('1e+30')
  await expect(form.getByLabel('Hidden channels per layer', { exact: true })).toHaveValue('4')
  await form.getByLabel('Learning rate', { exact: true }).fill('0.01')
  await form.getByRole('button', { name: 'Create and start' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'diverges (copy)' })).toBeVisible()
  await expectRunStatus(page, 'completed')
  await expect(page.getByText('on wasm', { exact: true })).toBeVisible()
  app.expectNoErrors()
})

test('a study arm that stopped short restarts on another backend from the Studies page', async ({
  page,
  serve,
}) => {
  test.setTimeout(150_000)
  const app = await setUp(page, serve.url, 'Arm study')
  // A study as far as the Studies page is concerned: an experiment tagged study and its scale.
  const experiments = new ExperimentsPage(page)
  await experiments.tag('Arm study', 'study')
  await experiments.tag('Arm study', 'tiny')
  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  await new NewRunPage(page).create({
    name: 'scratch arm',
    dataset: 'recovery digits',
    backend: 'cpu',
    numbers: { ...TINY_RUN, Iterations: 100_000, 'Evaluate every': 50_000 },
  })
  await expect(page.getByText(/^\d+ \/ 100000$/)).not.toHaveText('0 / 100000', {
    timeout: 45_000,
  })
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expectRunStatus(page, 'cancelled')

  await page.getByRole('link', { name: 'Studies', exact: true }).click()
  await page
    .getByRole('navigation', { name: 'Studies' })
    .getByRole('button', { name: /Arm study/ })
    .click()
  const row = page.locator('tr[data-arm="scratch arm"]')
  await expect(row).toContainText('cancelled')
  await expect(row).toContainText('cpu')
  await shot(page, 'study-arm-cancelled.png')
  await new RestartControl(row, 'scratch arm').restartOn('wasm')
  await expect(page.getByRole('status')).toContainText('arms: training "scratch arm" again on wasm')
  await expect(row.getByRole('cell', { name: 'wasm', exact: true })).toBeVisible({
    timeout: 45_000,
  })
  await expect(row).toContainText('running')

  await row.getByRole('link', { name: 'scratch arm' }).click()
  await page.getByRole('button', { name: 'Cancel' }).click()
  await expectRunStatus(page, 'cancelled')
  app.expectNoErrors()
})
