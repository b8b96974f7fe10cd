import { TmuRunForm } from './pages/transfer-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

test('on a first launch, the built-in zoo feeds a TMU target with no source trained', async ({
  page,
  serve,
}) => {
  // Generating the 2 300-clip target set and two TMU targets of two iterations at 32×32.
  test.setTimeout(240_000)
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  await app.goTo('Zoo')
  await expect(page.getByText('The zoo is empty: add a built-in model')).toBeVisible()

  const panel = page.getByRole('region', { name: 'Built-in models' })
  const shipped = panel.locator('tr[data-builtin-model]')
  await expect(shipped).toHaveCount(2)
  for (const name of ['FD-1 (built-in)', 'FD-2 (built-in)']) {
    await panel.getByRole('button', { name: `Add ${name} to the zoo` }).click()
    await expect(page.locator(`tr[data-zoo-model="${name}"]`)).toContainText('imported')
    await expect(panel.locator(`tr[data-builtin-model="${name}"]`)).toContainText('In the zoo')
  }
  // Its scores travel with it: the zoo table shows the test MSE the study measured.
  await expect(page.locator('tr[data-zoo-model="FD-1 (built-in)"] td.num').nth(1)).toHaveText(
    /^\d+(\.\d+)?$/,
  )

  await panel.getByRole('button', { name: /Generate it/ }).click()
  await expect(panel).toContainText('a dataset you have', { timeout: 60_000 })
  await page.screenshot({ path: test.info().outputPath('builtin-zoo.png'), fullPage: true })

  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  const tmu = new TmuRunForm(page)
  await tmu.start('TMU ← built-in zoo', 'Flying Digits · 3 digits · small')
  await tmu.pickSource('FD-1 \\(built-in\\)')
  await tmu.pickSource('FD-2 \\(built-in\\)')
  await tmu.fill({
    Layers: 2,
    'Hidden channels per layer': 16,
    'Patch size': 4,
    'Input frames (Tin)': 5,
    'Output frames (Tout)': 5,
    'Batch size': 2,
    Iterations: 2,
  })
  await expect(tmu.problems).toBeHidden()
  await tmu.submit('TMU ← built-in zoo')
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 90_000 })

  // The same zoo feeds a target of another backbone: a PredRNN whose layer 1 keeps its
  // ST-LSTM with the transfer beside it (docs/method.md §3.11).
  await page.goto(`${new URL(serve.url).origin}/#/runs/new`)
  await tmu.start('PredRNN TMU ← built-in zoo', 'Flying Digits · 3 digits · small')
  await tmu.pickSource('FD-1 \\(built-in\\)')
  await tmu.pickSource('FD-2 \\(built-in\\)')
  await tmu.form.getByLabel('Cell').selectOption('predrnn')
  await tmu.fill({
    Layers: 2,
    'Hidden channels per layer': 16,
    'Patch size': 4,
    'Input frames (Tin)': 5,
    'Output frames (Tout)': 5,
    'Batch size': 2,
    Iterations: 2,
  })
  await expect(tmu.problems).toBeHidden()
  await tmu.submit('PredRNN TMU ← built-in zoo')
  await expect(page.getByTestId('run-status')).toHaveText('completed', { timeout: 90_000 })
  await expect(page.getByText(/Test: MSE \d/)).toBeVisible()
  await page.screenshot({ path: test.info().outputPath('predrnn-tmu-run.png'), fullPage: true })
  app.expectNoErrors()
})
