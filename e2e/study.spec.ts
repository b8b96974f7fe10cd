import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

/**
 * The workbench's reason to exist, walked as a user would on the default backend: Studies →
 * Start tiny study, then wait for every arm (scratch, finetune from each source, TMU; two
 * seeds each) to finish and show numbers with their intervals and the paired verdicts, export
 * the report from the page, and read the same study from the `tmu` command line. A TMU arm
 * that cannot train fails here, not in a user's hands.
 */
test('the tiny study runs every arm to finite results with intervals, verdicts and a report', async ({
  page,
  serve,
}) => {
  // 10 runs (2 sources, 4 arms × 2 seeds): a few minutes alone on 2 cores, 16 beside other
  // work at a load average of 16.
  test.setTimeout(1_800_000)
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: 'Studies' })
    .click()
  await page.getByRole('button', { name: 'Start tiny study' }).click()

  const status = page.getByRole('status').filter({ hasText: /^\s*(done|failed):/ })
  await expect(status).toBeVisible({ timeout: 1_700_000 })
  await expect(status).toContainText('done:')

  const arms = page.locator('tr[data-arm]')
  await expect(arms).toHaveCount(4)
  const names = await arms.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-arm')))
  expect(names).toEqual(['scratch', 'finetune ← FD-1', 'finetune ← FD-2', 'TMU ← FD-1 + FD-2'])
  for (const row of await arms.all()) {
    await expect(row.locator('td').nth(1)).toHaveText('completed')
    await expect(row.locator('td.seeds')).toHaveText('2/2')
    // Every per-frame and mean cell is a number with its interval: a diverged arm would show
    // — and no interval. 5 trained lead times, their mean, and the mean past the horizon.
    const values = await row.locator('td.score .value').allInnerTexts()
    expect(values.length).toBe(5 + 1 + 1)
    for (const v of values) expect(Number.isFinite(Number(v)), `cell "${v}"`).toBe(true)
    for (const ci of await row.locator('td.score .ci').allInnerTexts()) expect(ci).toMatch(/^±/)
  }
  // Trained 5 → 5, scored on to t+10: the table's mean past the horizon, and the curves'
  // x axis, reach there.
  await expect(page.getByRole('columnheader', { name: 't+6–t+10' })).toBeVisible()
  await expect(arms.locator('td.beyond .value')).toHaveCount(4)
  for (const chart of ['MSE per frame', 'SSIM per frame']) {
    await expect(page.getByRole('img', { name: chart })).toHaveAttribute('data-x-max', '10')
  }
  // The table fits 1280 px without scrolling sideways.
  const box = await page
    .getByRole('table')
    .evaluate((t) => [t.parentElement!.scrollWidth, t.parentElement!.clientWidth])
  expect(box[0]).toBeLessThanOrEqual(box[1]!)
  await page.screenshot({ path: test.info().outputPath('tiny-study-1280x720.png') })
  // The table can show each of the four metrics.
  await page.getByLabel('Metric shown').selectOption('psnr')
  await expect(page.getByRole('columnheader', { name: /PSNR per frame/ })).toBeVisible()

  const paired = page.getByRole('region', { name: 'Paired verdicts' })
  // The verdicts stop at the trained horizon, and the page says so.
  await expect(paired).toContainText('Over the trained lead times t+1–t+5 only')
  const verdicts = paired.getByRole('listitem')
  // 4 main arms: 6 pairs, on MSE and SSIM.
  await expect(verdicts).toHaveCount(12)
  for (const text of await verdicts.allInnerTexts()) {
    expect(text).toMatch(/(no difference detected|lower|higher) (in )?(MSE|SSIM)/)
    expect(text).toMatch(/95 % CI of the difference \[/)
  }
  await page.screenshot({ path: test.info().outputPath('tiny-study.png'), fullPage: true })

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export report' }).click()
  const html = await download
  expect(html.suggestedFilename()).toMatch(/^study-\d+\.html$/)
  const saved = test.info().outputPath(html.suggestedFilename())
  await html.saveAs(saved)
  const report = readFileSync(saved, 'utf8')
  expect(report).toContain('<h2>Paired verdicts</h2>')
  expect(report).toContain('<svg')

  // The same study from the command line: its tables, then the report as files.
  // The router keeps its query in the hash (#/studies?experiment=N).
  const experimentId = /[?&]experiment=(\d+)/.exec(page.url())![1]!
  const shown = await tmu(serve.workspace, 'study', 'show', experimentId)
  expect(shown).toContain('test MSE per frame')
  expect(shown).toMatch(/TMU ← FD-1 \+ FD-2\s+2\/2\s+60/)
  const out = mkdtempSync(join(tmpdir(), 'tmu-report-'))
  await tmu(serve.workspace, 'study', 'report', experimentId, '--out', out)
  const files = [
    ...['html', 'md', 'csv', 'json'].map((ext) => `study-${experimentId}.${ext}`),
    ...['mse-per-frame', 'ssim-per-frame', 'gate-usage', 'memory-magnitude'].flatMap((f) => [
      `${f}.svg`,
      `${f}.png`,
    ]),
    'sample-clips.png',
  ]
  for (const file of files) expect(existsSync(join(out, file)), file).toBe(true)
  const csv = readFileSync(join(out, `study-${experimentId}.csv`), 'utf8')
    .trim()
    .split('\n')
  // Header, then 4 arms × 2 seeds × 10 frames: 5 → 5 trained, scored to 5 → 10.
  expect(csv.length).toBe(1 + 4 * 2 * 10)
  app.expectNoErrors()
})

test('a study can mix architectures: sources and target train on the backbones picked', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Studies')
  const start = page.getByRole('region', { name: 'Start a study' })
  await start.getByLabel('1-digit source').selectOption('predrnnpp')
  await start.getByLabel('2-digit source').selectOption('mim')
  await start.getByLabel('Target: scratch and TMU').selectOption('predrnn')
  await start.getByRole('button', { name: 'Start tiny study' }).click()
  // The zoo's runs are named by their backbones, and are what they say.
  const sources = page.getByText(/^\s*Sources:/)
  await expect(sources).toContainText('source · FD-1 tiny predrnnpp', { timeout: 60_000 })
  await expect(sources).toContainText('source · FD-2 tiny mim')
  // Nothing is scored yet: no per-frame columns, not an empty one beside the means.
  await expect(page.getByRole('columnheader', { name: /per frame/ })).toHaveCount(0)
  await expect(page.getByRole('columnheader', { name: 'Mean over lead times' })).toBeVisible()
  const runs = JSON.parse(await tmu(serve.workspace, 'runs', '--json')) as {
    name: string
    config: { model: { cell: string } }
  }[]
  const cell = (name: string) => runs.find((r) => r.name === name)?.config.model.cell
  expect(cell('source · FD-1 tiny predrnnpp')).toBe('predrnnpp')
  expect(cell('source · FD-2 tiny mim')).toBe('mim')
  expect(cell('finetune ← FD-2 · seed 1')).toBe('mim')
  expect(cell('scratch · seed 1')).toBe('predrnn')
  expect(cell('TMU ← FD-1 + FD-2 · seed 1')).toBe('predrnn')
  await page.screenshot({ path: test.info().outputPath('mixed-zoo-study.png') })
  app.expectNoErrors()
})
