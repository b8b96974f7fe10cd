import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { encodeNpy } from '../src-main/data/npy'
import { ComparePage, DatasetsPage, NewRunPage } from './pages/journey-pages'
import { ImportWizard, RunDetailPage, TmuRunForm } from './pages/transfer-pages'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'
import type { Locator, Page } from '@playwright/test'
import { expect, test } from './serve-fixture'

/**
 * Small shapes: a source and a TMU target train one after the other on 2 cores. 16 channels,
 * so the default backend's fused kernels run their vector loops (4 would run the scalar tail).
 */
const TINY_RUN = {
  Layers: 2,
  'Hidden channels per layer': 16,
  'Kernel size': 3,
  'Patch size': 4,
  'Input frames (Tin)': 3,
  'Output frames (Tout)': 3,
  'Batch size': 4,
  Iterations: 4,
  'Evaluate every': 2,
  'Checkpoint every': 4,
}

/** A bright 4×4 square moving right: 4 sequences of 10 frames, 16×16, as Moving MNIST's [T, N, H, W]. */
function squaresTNHW(): Uint8Array {
  const [T, N, H, W] = [10, 4, 16, 16]
  const values = new Uint8Array(T * N * H * W)
  for (let t = 0; t < T; t++) {
    for (let n = 0; n < N; n++) {
      for (let y = 6; y < 10; y++) {
        for (let x = t; x < t + 4; x++) values[((t * N + n) * H + y) * W + x] = 255
      }
    }
  }
  return encodeNpy(values, [T, N, H, W])
}

test('import preview, zoo, a TMU run with its gates and model card, study results', async ({
  page,
  serve,
}) => {
  // Two trainings and a study: ~25 s alone, over a minute beside the other spec on 2 cores.
  test.setTimeout(180_000)
  const shot = (name: string, target: Page | Locator = page) =>
    target.screenshot({ path: test.info().outputPath(name) })
  const app = new WorkbenchPage(page)
  await app.open(serve.url)

  // Serve mode reads imports only under its import roots, by default the user's home folder.
  const folder = mkdtempSync(join(homedir(), 'tmu-e2e-import-'))
  try {
    const file = join(folder, 'squares.npy')
    writeFileSync(file, squaresTNHW())
    await app.goTo('Datasets')
    const wizard = new ImportWizard(page)
    await wizard.preview(join(folder, 'missing.npy'))
    await expect(page.getByTestId('import-error')).toContainText('missing.npy')
    await wizard.preview(file, { layout: 'TNHW', clipLength: 5 })
    await expect(wizard.previewPanel.getByTestId('preview-format')).toHaveText('npy')
    await expect(wizard.previewPanel.getByTestId('preview-sequences')).toHaveText('4')
    await expect(wizard.previewPanel.getByTestId('preview-clip-shape')).toHaveText(
      '5 × 16 × 16 × 1',
    )
    await expect(wizard.previewPanel.getByRole('img', { name: /frame 1/ })).toBeVisible()
    await shot('import-preview.png', wizard.form)
    await wizard.import('npy squares')
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }

  await new DatasetsPage(page).generate('tiny digits', {
    'Canvas (px)': 32,
    'Digit size (px)': 16,
    'Clip length (frames)': 6,
    'Train clips': 16,
    'Validation clips': 4,
    'Test clips': 4,
  })

  await app.goTo('Experiments')
  const experiments = new ExperimentsPage(page)
  await experiments.create('Transfer', 'a tiny source and a TMU target')
  await experiments.tag('Transfer', 'study')
  await page.getByRole('link', { name: 'Transfer' }).click()
  await page.getByRole('link', { name: 'New run' }).click()
  await new NewRunPage(page).create({ name: 'source-a', dataset: 'tiny digits', numbers: TINY_RUN })
  const detail = new RunDetailPage(page)
  await detail.waitForCompletion()
  await detail.addToZoo('zoo-a')

  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  const tmu = new TmuRunForm(page)
  await tmu.start('tmu-b', 'tiny digits')
  await tmu.pickSource('zoo-a')
  // 8 channels do not match the source's 16: the form says so before submit.
  await tmu.fill({ ...TINY_RUN, 'Hidden channels per layer': 8 })
  await expect(tmu.problems).toContainText('zoo-a')
  await tmu.fill(TINY_RUN)
  await expect(tmu.form.getByText('These sources fit this network.')).toBeVisible()
  await tmu.submit('tmu-b')
  await detail.waitForCompletion()
  const gates = page.getByRole('region', { name: 'Transfer gates' })
  await expect(gates.getByRole('img', { name: 'Transfer gate, layer 1' })).toBeVisible()
  await expect(gates.getByRole('img', { name: 'Distillation error, layer 1' })).toBeVisible()
  // Let the completion notices expire (8 s) rather than click one that may be gone by then
  // on a loaded machine; they would cover the chart in the screenshot.
  await expect(page.getByRole('button', { name: 'Dismiss' })).toHaveCount(0, { timeout: 15_000 })
  await shot('gate-chart.png', gates)

  const download = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Model card' }).click()
  const card = await download
  expect(card.suggestedFilename()).toMatch(/\.md$/)
  expect(readFileSync(await card.path(), 'utf8')).toContain('zoo-a')

  // The weights, as `tmu export` writes them: safetensors in PyTorch layout, the TMU's own
  // distillers among them.
  const exported = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Export weights' }).click()
  const weights = await exported
  expect(weights.suggestedFilename()).toMatch(/\.safetensors$/)
  const file = readFileSync(await weights.path())
  const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString())
  expect(Object.keys(header)).toContain('cell_list.0.distiller1.0.weight')

  await app.goTo('Compare')
  await new ComparePage(page).pick('tmu-b')
  await expect(page.getByRole('img', { name: 'Gates of tmu-b, layer 1, clip 0' })).toBeVisible()
  await page.locator('body').press('ArrowRight')
  await shot('compare-gates.png')

  await app.goTo('Zoo')
  await expect(page.locator('tr[data-zoo-model="zoo-a"]')).toContainText('source-a')
  const check = page.getByRole('form', { name: 'Compatibility check' })
  const waiting = check.getByTestId('zoo-check-waiting')
  await expect(waiting).toHaveText('Pick one or more sources.')
  await check.getByRole('checkbox', { name: 'zoo-a' }).check()
  await expect(check.getByText('Compatible')).toBeVisible()
  await shot('zoo.png')
  // A TMU layer past the target's depth is the problem named, not a missing source.
  await check.getByLabel('TMU layers').fill('3')
  await expect(waiting).toHaveText(
    `TMU layers: list layer numbers from 1 to 2 (the target's depth), e.g. "1".`,
  )

  await page
    .getByRole('navigation', { name: 'Sections' })
    .getByRole('link', { name: 'Studies' })
    .click()
  await page.getByRole('button', { name: /^Transfer/ }).click()
  await expect(page.locator('tr[data-arm="tmu-b"]')).toBeVisible()
  await expect(page.getByRole('img', { name: 'MSE per frame, by arm' })).toBeVisible()
  await shot('study-results.png')
  app.expectNoErrors()
})
