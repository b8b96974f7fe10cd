import Database from 'better-sqlite3'
import { join } from 'node:path'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

test('a server restart resumes interrupted runs unless Settings says not to', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  await form.getByLabel('Name').fill('long run')
  await form.getByRole('button', { name: 'Create and start' }).click()
  const status = page.getByTestId('run-status')
  await expect(status).toHaveText('running', { timeout: 60_000 })
  await expect(page.getByTestId('run-iteration')).not.toHaveText(/^0 \//, { timeout: 60_000 })

  const reopen = async () => {
    // Leave the page first: a page left open would rightly log its reconnect attempts.
    await page.goto('about:blank')
    const url = await serve.restart()
    await app.open(url)
    await page.goto(`${new URL(url).origin}/#/runs/1`)
  }

  await reopen()
  await expect(status).toHaveText(/running|queued/)
  await expect(page.getByText('resuming: the workbench restarted while it trained')).toBeVisible()

  await app.goTo('Settings')
  const resume = page.getByLabel('Resume interrupted runs when the workbench starts')
  await expect(resume).toBeChecked()
  await resume.uncheck()
  await expect(resume).not.toBeChecked()
  const db = new Database(join(serve.workspace, 'workbench.sqlite'), { readonly: true })
  expect(db.prepare('SELECT key, value_json FROM settings').all()).toEqual([
    { key: 'resumeInterruptedRuns', value_json: 'false' },
  ])
  db.close()

  await reopen()
  await expect(status).toHaveText('interrupted')
  await expect(page.getByRole('button', { name: 'Resume' })).toBeVisible()
  app.expectNoErrors()
})
