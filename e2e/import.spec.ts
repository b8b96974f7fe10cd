import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeNpy } from '../src-main/data/npy'
import { ImportWizard } from './pages/transfer-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'

/** Floats shaped [10, 20, 16, 16]: 10 clips of 20 frames, which the shape alone reads time-first. */
function clipsFirstFloats(): Uint8Array {
  const [N, T, H, W] = [10, 20, 16, 16]
  const values = new Float32Array(N * T * H * W)
  for (let n = 0; n < N; n++) {
    for (let t = 0; t < T; t++)
      values.fill((n + t) / 40, (n * T + t) * H * W, (n * T + t + 1) * H * W)
  }
  return encodeNpy(values, [N, T, H, W])
}

test('a folder outside home is allowed in Settings; preview and import agree', async ({
  page,
  serve,
}) => {
  const app = new WorkbenchPage(page)
  await app.open(serve.url)
  // Outside the home folder, so serve mode refuses it until Settings allow it.
  const folder = mkdtempSync(join(tmpdir(), 'tmu-e2e-outside-'))
  try {
    const file = join(folder, 'clips.npy')
    writeFileSync(file, clipsFirstFloats())
    await app.goTo('Datasets')
    const wizard = new ImportWizard(page)
    // Only the desktop app has a native picker (and its grant); a browser types the path.
    await expect(wizard.form.getByRole('button', { name: /^Choose/ })).toHaveCount(0)
    await wizard.preview(file)
    const refusal = page.getByTestId('import-error')
    await expect(refusal).toContainText('outside the folders imports may read')
    await expect(refusal).toContainText('Settings → Import folders')
    await expect(refusal).toContainText('--import-root <folder>')

    await app.goTo('Settings')
    const roots = page.getByRole('group', { name: 'Import folders' })
    await roots.getByLabel('Folder to allow').fill(file)
    await roots.getByRole('button', { name: 'Allow folder' }).click()
    await expect(roots.getByTestId('import-root-error')).toHaveText(
      `import folder ${file}: a file, not a folder`,
    )
    await roots.getByLabel('Folder to allow').fill(folder)
    await roots.getByRole('button', { name: 'Allow folder' }).click()
    await expect(roots.getByTestId('import-root')).toHaveText([new RegExp(folder)])
    await expect(roots.getByTestId('import-root-error')).toHaveCount(0)
    await roots.screenshot({ path: test.info().outputPath('import-folders.png') })

    await app.goTo('Datasets')
    // Guessed time-first: 20 sequences of 10 frames. The preview says so and offers the other way.
    await wizard.preview(file)
    const panel = wizard.previewPanel
    await expect(panel.getByTestId('preview-clip-count')).toHaveText('20')
    await expect(panel.getByTestId('preview-clip-shape')).toHaveText('10 × 16 × 16 × 1')
    await expect(panel.getByTestId('frame-label')).toHaveText('frame 1 / 10')
    const other = panel.getByRole('button', { name: 'NTHW: 10 sequences × 20 frames → 10 clips' })

    // Asking for 20-frame clips of the guess is refused by the preview, as the import would be.
    await wizard.form.getByLabel('Clip length (frames)').fill('20')
    await wizard.form.getByRole('button', { name: 'Preview' }).click()
    await expect(refusal).toContainText('no clips: no sequence has 20 frames (read as TNHW')
    await expect(refusal).toContainText('as NTHW gives 10 sequences of 20 frames, 10 clips')
    await wizard.form.getByLabel('Clip length (frames)').fill('')
    await wizard.form.getByRole('button', { name: 'Preview' }).click()
    await other.click()
    await expect(wizard.form.getByLabel('Array layout')).toHaveValue('NTHW')
    await expect(panel.getByTestId('preview-clip-count')).toHaveText('10')
    await expect(panel.getByTestId('preview-clip-shape')).toHaveText('20 × 16 × 16 × 1')
    await expect(panel.getByTestId('frame-label')).toHaveText('frame 1 / 20')
    await expect(refusal).toHaveCount(0)
    await wizard.form.screenshot({ path: test.info().outputPath('import-preview.png') })

    await wizard.import('clips first')
    const row = page.locator('tr[data-dataset="clips first"]')
    await expect(row.locator('td').nth(2)).toHaveText('10')
    await expect(row.locator('td').nth(3)).toHaveText('20')
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
  app.expectNoErrors()
})
