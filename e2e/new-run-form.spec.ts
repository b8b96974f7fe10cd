import { NewRunPage } from './pages/journey-pages'
import { RunDetailPage, TmuRunForm } from './pages/transfer-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

test('the new-run form fits the dataset it opens on, and the one picked next', async ({
  page,
  serve,
}) => {
  await tmu(serve.workspace, 'data', 'generate', 'short', '--size', '32', '--frames', '8')
  const datasets = JSON.parse(await tmu(serve.workspace, 'data', 'list', '--json')) as {
    id: number
    name: string
    origin: string
  }[]
  const short = datasets.find((d) => d.name === 'short')!
  const builtin = datasets.find((d) => d.origin === 'builtin')!
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  // Opened on the 32×32, 8-frame set (as the Datasets page's link does): 64×64 and 10 → 10
  // would not fit it.
  await page.goto(`${new URL(serve.url).origin}/#/runs/new?dataset=${short.id}`)
  const form = page.getByRole('form', { name: 'New run' })
  await expect(form.getByLabel('Image height')).toHaveValue('32')
  await expect(form.getByLabel('Image width')).toHaveValue('32')
  const tin = Number(await form.getByLabel('Input frames (Tin)').inputValue())
  const tout = Number(await form.getByLabel('Output frames (Tout)').inputValue())
  expect(tin + tout).toBeLessThanOrEqual(8)
  expect(tin).toBeGreaterThan(0)
  expect(tout).toBeGreaterThan(0)

  await form.getByLabel('Dataset').selectOption(String(builtin.id))
  await expect(form.getByLabel('Image height')).toHaveValue('64')
})

test('the new-run form takes per-layer widths, clipping and a schedule, and refuses what cannot fit', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  const create = form.getByRole('button', { name: 'Create and start' })
  await form.getByLabel('Name').fill('narrowing')
  await form.getByLabel('Layers', { exact: true }).fill('3')
  await form.getByLabel('Hidden channels per layer').fill('64, 32')
  await create.click()
  await expect(
    form.getByText('hidden channels: 2 widths for 3 layers; give one, or 3'),
  ).toBeVisible()

  // Far past any backend's memory: refused here, with the estimate, rather than failing later.
  await form.getByLabel('Hidden channels per layer').fill('4096')
  await form.getByLabel('Batch size').fill('64')
  const refusal = form.getByTestId('memory-refusal')
  await expect(refusal).toContainText(
    /^Too big for \w+: needs ~[\d.]+ GB, .* lower hidden channels or layers\.$/,
  )
  await expect(form.getByTestId('iteration-estimate')).toContainText(
    /needs about [\d.]+ GB of memory/,
  )
  await form.screenshot({ path: test.info().outputPath('new-run-refused.png') })
  await create.click()
  await expect(page.getByRole('heading', { level: 2, name: 'narrowing' })).toHaveCount(0)

  await form.getByLabel('Hidden channels per layer').fill('16, 8, 8')
  await form.getByLabel('Batch size').fill('2')
  await form.getByLabel('Gradient clipping (global norm)').fill('0.5')
  await form.getByLabel('Iterations').fill('2')
  // A step schedule asks for its interval and factor; the run records all three.
  await expect(form.getByLabel('Step factor')).toHaveCount(0)
  await form.getByLabel('Learning-rate schedule').selectOption('step')
  await form.getByLabel('Step every (iterations)').fill('1')
  await form.getByLabel('Step factor').fill('0.5')
  await form.screenshot({ path: test.info().outputPath('new-run-schedule.png') })
  await expect(refusal).toHaveCount(0)
  await create.click()
  await expect(page.locator('[data-run-detail="narrowing"]')).toBeVisible()
  const config = page.getByRole('region', { name: 'Configuration' })
  await expect(config.locator('dt', { hasText: 'model.hidden' }).locator('+ dd')).toHaveText(
    '[16, 8, 8]',
  )
  await expect(config.locator('dt', { hasText: 'train.clipNorm' }).locator('+ dd')).toHaveText(
    '0.5',
  )
  const setting = (key: string) => config.locator('dt', { hasText: key }).locator('+ dd')
  await expect(setting('train.lrSchedule')).toHaveText('step')
  await expect(setting('train.lrStepEvery')).toHaveText('1')
  await expect(setting('train.lrStepFactor')).toHaveText('0.5')
  app.expectNoErrors()
})

test('a PredRNN-V2 run from the form trains with reverse sampling and its decoupling β', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  // Picking the cell alone switches a standard form to reverse sampling, ramp scaled to the run.
  await form.getByLabel('Iterations').fill('16')
  await form.getByLabel('Cell').selectOption('predrnnv2')
  await expect(form.getByLabel('Scheduled sampling')).toHaveValue('reverse')
  await expect(form.getByLabel('Reverse ramp start (iteration)')).toHaveValue('5')
  await expect(form.getByLabel('Reverse ramp end (iteration)')).toHaveValue('10')
  await form.getByLabel('Decoupling β').fill('0.2')
  await form.getByLabel('Name').fill('decoupled')
  await form.getByLabel('Layers', { exact: true }).fill('2')
  await form.getByLabel('Hidden channels per layer').fill('8')
  await form.getByLabel('Batch size').fill('2')
  await form.screenshot({ path: test.info().outputPath('new-run-predrnnv2.png') })
  await form.getByRole('button', { name: 'Create and start' }).click()

  await expect(page.locator('[data-run-detail="decoupled"]')).toBeVisible()
  const config = page.getByRole('region', { name: 'Configuration' })
  const setting = (key: string) => config.locator('dt', { hasText: key }).locator('+ dd')
  await expect(setting('model.cell')).toHaveText('predrnnv2')
  await expect(setting('train.sampling')).toHaveText('reverse')
  await expect(setting('train.decoupleWeight')).toHaveText('0.2')
  // On the default backend, to a test score: the loss the trainer minimised stayed finite.
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible({ timeout: 120_000 })
  await page.screenshot({ path: test.info().outputPath('predrnnv2-run.png'), fullPage: true })
  app.expectNoErrors()
})

test('a SimVP run from its preset trains at the preset’s sizes, with recurrent fields hidden', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  // Picking the backbone alone makes the form valid for it: whole frames, true context only.
  await form.getByLabel('Cell').selectOption('simvp')
  await expect(form.getByLabel('Hidden channels per layer')).toHaveCount(0)
  await expect(form.getByLabel('Scheduled sampling')).toHaveCount(0)
  await expect(form.getByLabel('Spatial channels (hid_S)')).toHaveValue('64')
  await form.getByRole('button', { name: 'SimVP (gSTA) quick CPU' }).click()
  await expect(form.getByLabel('Spatial channels (hid_S)')).toHaveValue('8')
  await expect(form.getByLabel('Translator channels (hid_T)')).toHaveValue('32')
  await form.getByLabel('Translator blocks (N_T)').fill('3')
  await form.getByLabel('Name').fill('simvp small')
  await form.getByLabel('Iterations').fill('4')
  await form.getByLabel('Batch size').fill('2')
  await form.screenshot({ path: test.info().outputPath('new-run-simvp.png') })
  await form.getByRole('button', { name: 'Create and start' }).click()

  await expect(page.locator('[data-run-detail="simvp small"]')).toBeVisible()
  const config = page.getByRole('region', { name: 'Configuration' })
  const setting = (key: string) => config.locator('dt', { hasText: key }).locator('+ dd')
  await expect(setting('model.cell')).toHaveText('simvp')
  await expect(setting('model.simvp.spatialChannels')).toHaveText('8')
  await expect(setting('model.simvp.translatorBlocks')).toHaveText('3')
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible({ timeout: 180_000 })
  // Its size, work per clip and the test rollouts' speed on the backend it trained on.
  await expect(page.getByTestId('footprint')).toHaveText(
    /^[\d,]+ parameters · [\d.]+ GFLOP per clip · [\d.]+ m?s per test clip \(\d+ frames\) on \w+$/,
  )
  await page.screenshot({ path: test.info().outputPath('simvp-run.png'), fullPage: true })
  app.expectNoErrors()
})

test('a TAU run from its preset trains with its differential divergence weight', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const form = await app.openNewRunForm(serve.url)
  await form.getByRole('button', { name: 'TAU quick CPU' }).click()
  await expect(form.getByLabel('Cell')).toHaveValue('tau')
  await expect(form.getByLabel('DDR α (differential divergence)')).toHaveValue('0.1')
  await expect(form.getByLabel('Hidden channels per layer')).toHaveCount(0)
  await form.getByLabel('Name').fill('tau small')
  await form.getByLabel('Iterations').fill('4')
  await form.getByLabel('Batch size').fill('2')
  await form.screenshot({ path: test.info().outputPath('new-run-tau.png') })
  await form.getByRole('button', { name: 'Create and start' }).click()

  await expect(page.locator('[data-run-detail="tau small"]')).toBeVisible()
  const config = page.getByRole('region', { name: 'Configuration' })
  const setting = (key: string) => config.locator('dt', { hasText: key }).locator('+ dd')
  await expect(setting('model.cell')).toHaveText('tau')
  await expect(setting('train.ddrWeight')).toHaveText('0.1')
  // A stack's widths are recorded with their defaults but TAU never reads them.
  await expect(config.locator('dt', { hasText: 'model.hidden' })).toHaveCount(0)
  await config.getByRole('button', { name: /^Show \d+ settings this model does not read$/ }).click()
  await expect(setting('model.hidden')).toHaveText('[64, 64, 64, 64]')
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible({ timeout: 180_000 })
  await page.screenshot({ path: test.info().outputPath('tau-run.png'), fullPage: true })
  app.expectNoErrors()
})

test('a PredRNN TMU target from the form transfers M too when asked, and records it', async ({
  page,
  serve,
}) => {
  // A source and a target train one after the other on 2 cores.
  test.setTimeout(180_000)
  await tmu(
    serve.workspace,
    'data',
    'generate',
    'tiny',
    ...['--size', '32', '--digit-size', '16'],
    ...['--frames', '6', '--train', '16', '--val', '4', '--test', '4'],
  )
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  const tiny = {
    Layers: 2,
    'Hidden channels per layer': 8,
    'Kernel size': 3,
    'Patch size': 4,
    'Input frames (Tin)': 3,
    'Output frames (Tout)': 3,
    'Batch size': 2,
    Iterations: 2,
    'Evaluate every': 2,
    'Checkpoint every': 2,
  }
  await app.openNewRunForm(serve.url)
  await new NewRunPage(page).create({
    name: 'st-source',
    dataset: 'tiny',
    cell: 'predrnn',
    numbers: tiny,
  })
  const detail = new RunDetailPage(page)
  await detail.waitForCompletion()
  await detail.addToZoo('st-1')

  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  const target = new TmuRunForm(page)
  await target.start('st-target', 'tiny')
  const transferM = target.form.getByLabel('Transfer M too (the spatiotemporal memory)')
  // A ConvLSTM has no M: nothing to offer.
  await target.form.getByLabel('Cell').selectOption('convlstm')
  await expect(transferM).toHaveCount(0)
  await target.form.getByLabel('Cell').selectOption('predrnn')
  await target.pickSource('st-1')
  await target.fill(tiny)
  await transferM.check()
  await expect(target.form.getByText('These sources fit this network.')).toBeVisible()
  await target.form.screenshot({ path: test.info().outputPath('new-run-transfer-m.png') })
  await target.submit('st-target')
  await detail.waitForCompletion()
  const config = page.getByRole('region', { name: 'Configuration' })
  const setting = (key: string) =>
    config.locator('dt', { hasText: new RegExp(`^${key}$`) }).locator('+ dd')
  await expect(setting('model.cell')).toHaveText('predrnn')
  await expect(setting('model.tmu.transferM')).toHaveText('true')
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible()
  app.expectNoErrors()
})
