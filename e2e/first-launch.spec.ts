import Database from 'better-sqlite3'
import { join } from 'node:path'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

test('a first launch says where to start, and a run needs no experiment', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Experiments')

  const start = page.getByRole('region', { name: 'Where to start' })
  await expect(start).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('first-launch.png'), fullPage: true })

  await start.getByRole('link', { name: 'Run the tiny study' }).click()
  await expect(page.getByRole('heading', { level: 2, name: 'Studies' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Start tiny study' })).toBeVisible()

  await app.goTo('Experiments')
  await start.getByRole('link', { name: 'Train on the built-in Flying Digits' }).click()
  const form = page.getByRole('form', { name: 'New run' })
  await expect(form).toBeVisible()
  await expect(page.getByText('create one')).toBeHidden()
  await expect(form.getByLabel('Dataset').locator('option:checked')).toHaveText(
    /Flying Digits · 2 digits/,
  )
  await expect(form.getByLabel('Experiment').locator('option:checked')).toHaveText('My runs (new)')

  await form.getByLabel('Name').fill('first run')
  await form.getByLabel('Iterations').fill('2')
  await form.getByRole('button', { name: 'Create and start' }).click()
  await expect(page.locator('[data-run-detail="first run"]')).toBeVisible()
  const status = page.getByTestId('run-status')
  await expect(status).toHaveText('completed', { timeout: 90_000 })

  // A run still running at its last iteration is scoring the test set. The real window is a
  // second or two here, too short to catch reliably, so the database is put back into it.
  const db = new Database(join(serve.workspace, 'workbench.sqlite'))
  db.prepare(`UPDATE runs SET status = 'running' WHERE name = 'first run'`).run()
  db.close()
  await page.reload()
  await expect(status).toHaveText('evaluating')
  await expect(page.getByTestId('run-evaluating')).toHaveText('scoring the test set')
  await expect(page.getByRole('button', { name: 'Pause' })).toBeHidden()

  // Duration adds up the attempts (trained_seconds), not only the latest start to finish.
  const again = new Database(join(serve.workspace, 'workbench.sqlite'))
  again
    .prepare(
      `UPDATE runs SET status = 'completed', trained_seconds = 7500 WHERE name = 'first run'`,
    )
    .run()
  again.close()
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link').click()
  await expect(page.getByRole('heading', { level: 2, name: 'My runs' })).toBeVisible()
  await expect(page.getByRole('row', { name: /first run/ })).toContainText('2 h 05 m')

  // The experiment's "updated" moved when its run ended, not only when it was made.
  const stamps = new Database(join(serve.workspace, 'workbench.sqlite'), { readonly: true })
  const { updated, finished } = stamps
    .prepare(
      `SELECT e.updated_at AS updated, r.finished_at AS finished
       FROM experiments e JOIN runs r ON r.experiment_id = e.id WHERE r.name = 'first run'`,
    )
    .get() as { updated: string; finished: string }
  stamps.close()
  expect(updated >= finished).toBe(true)
  await app.goTo('Experiments')
  const shown = await page.evaluate((iso) => new Date(iso).toLocaleString(), updated)
  await expect(page.locator('article[data-experiment="My runs"]')).toContainText(`updated ${shown}`)

  // The one run the zoo could take is named, not hidden behind a picker with one entry.
  await app.goTo('Zoo')
  await expect(
    page.getByRole('form', { name: 'Add to zoo' }).getByTestId('zoo-candidate'),
  ).toHaveText('Run first run (Flying Digits · 2 digits)')
  await page.screenshot({ path: test.info().outputPath('zoo-one-candidate.png') })
  app.expectNoErrors()
})
