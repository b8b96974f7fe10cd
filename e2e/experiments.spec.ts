import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import Database from 'better-sqlite3'
import { join } from 'node:path'

test('an experiment created, renamed and tagged survives a server restart', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Experiments')
  const experiments = new ExperimentsPage(page)

  await experiments.create('Flying digits 3', 'TMU vs finetune on 3 digits')
  await experiments.rename('Flying digits 3', 'FD-3 transfer')
  // An empty name is refused where it was typed, not silently put back.
  const card = experiments.card('FD-3 transfer')
  await card.getByRole('button', { name: 'Rename' }).click()
  const nameField = page.getByLabel('Experiment name', { exact: true })
  await nameField.fill('  ')
  await nameField.press('Enter')
  await expect(card.getByRole('alert')).toHaveText(
    'an experiment needs a name: type one, or press Esc to keep the old one',
  )
  await expect(nameField).toHaveAttribute('aria-invalid', 'true')
  await nameField.press('Escape')
  await expect(card.getByRole('alert')).toHaveCount(0)
  await expect(card.getByRole('link', { name: 'FD-3 transfer' })).toBeVisible()
  await experiments.tag('FD-3 transfer', 'paper')
  await page.screenshot({ path: test.info().outputPath('experiments.png'), fullPage: true })

  // The real SQLite file holds it, not just the page.
  const db = new Database(join(serve.workspace, 'workbench.sqlite'), { readonly: true })
  expect(db.prepare('SELECT name, tags_json FROM experiments').all()).toEqual([
    { name: 'FD-3 transfer', tags_json: '["paper"]' },
  ])
  db.close()

  // Leave the page first: a page left open would rightly log its reconnect attempts.
  await page.goto('about:blank')
  const url = await serve.restart()
  await app.open(url)
  await app.goTo('Experiments')
  await expect(experiments.card('FD-3 transfer')).toBeVisible()
  await expect(experiments.card('FD-3 transfer').getByText('paper', { exact: true })).toBeVisible()
  await expect(experiments.card('FD-3 transfer').getByLabel('Description')).toHaveValue(
    'TMU vs finetune on 3 digits',
  )
  app.expectNoErrors()
})

test('filter, archive, and delete with confirmation and undo', async ({ page, serve }) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Experiments')
  const experiments = new ExperimentsPage(page)
  await experiments.create('ConvLSTM sources')
  await experiments.create('PredRNN sources')

  await page.getByLabel('Filter experiments').fill('predrnn')
  await expect(experiments.card('PredRNN sources')).toBeVisible()
  await expect(experiments.card('ConvLSTM sources')).toBeHidden()
  await page.getByLabel('Filter experiments').fill('')

  await experiments.card('ConvLSTM sources').getByRole('button', { name: 'Archive' }).click()
  await expect(experiments.card('ConvLSTM sources')).toBeHidden()
  await page.getByLabel('Show archived').check()
  await expect(experiments.card('ConvLSTM sources').getByText('archived')).toBeVisible()

  await experiments.card('PredRNN sources').getByRole('button', { name: 'Delete' }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toContainText('PredRNN sources')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await expect(experiments.card('PredRNN sources')).toBeVisible()

  await experiments.card('PredRNN sources').getByRole('button', { name: 'Delete' }).click()
  await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click()
  await expect(experiments.card('PredRNN sources')).toBeHidden()
  await page.getByRole('button', { name: 'Undo' }).click()
  await expect(experiments.card('PredRNN sources')).toBeVisible()

  await page.reload()
  await app.goTo('Experiments')
  await expect(experiments.card('PredRNN sources')).toBeVisible()
  app.expectNoErrors()
})

test('settings shows the doctor report with the backends', async ({ page, serve }) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Settings')
  await expect(page.locator('tr[data-backend="wasm"]')).toContainText('available')
  await expect(page.getByText(serve.workspace)).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('settings.png'), fullPage: true })
  app.expectNoErrors()
})

test('the server refuses a page load without its token', async ({ page, serve }) => {
  const origin = new URL(serve.url).origin
  const response = await page.goto(origin + '/')
  expect(response?.status()).toBe(403)
  await expect(page.getByText('this server needs its token')).toBeVisible()
})
