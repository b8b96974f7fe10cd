import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

/**
 * The workbench's reason to exist, walked as a user would on the default backend: Studies →
 * Start tiny study, then wait for every arm (scratch, finetune from each source, TMU) to
 * finish and show numbers. A TMU arm that cannot train fails here, not in a user's hands.
 */
test('the tiny study runs every arm to finite results on the default backend', async ({
  page,
  serve,
}) => {
  // About a minute alone on 2 cores; three beside the other spec.
  test.setTimeout(420_000)
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: 'Studies' })
    .click()
  await page.getByRole('button', { name: 'Start tiny study' }).click()

  const status = page.getByRole('status').filter({ hasText: /^\s*(done|failed):/ })
  await expect(status).toBeVisible({ timeout: 400_000 })
  await expect(status).toContainText('done:')

  const arms = page.locator('tr[data-arm]')
  await expect(arms).toHaveCount(4)
  const names = await arms.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm')))
  expect(names).toEqual(
    expect.arrayContaining([
      'scratch',
      expect.stringMatching(/^finetune ← FD-1/),
      expect.stringMatching(/^finetune ← FD-2/),
      expect.stringMatching(/^TMU/),
    ]),
  )
  for (const row of await arms.all()) {
    await expect(row.locator('td').nth(1)).toHaveText('completed')
    // Every per-frame and mean cell is a number: a diverged arm would show NaN or —.
    const cells = await row.locator('td.num').allInnerTexts()
    expect(cells.length).toBeGreaterThan(2)
    for (const cell of cells) expect(Number.isFinite(Number(cell)), `cell "${cell}"`).toBe(true)
  }
  await page.screenshot({ path: test.info().outputPath('tiny-study.png'), fullPage: true })
  app.expectNoErrors()
})
