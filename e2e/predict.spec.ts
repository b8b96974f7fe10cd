import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { encodeNpy } from '../src-main/data/npy'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

/** A bright square walking right: one clip [T, H, W] of 16×16 frames, as a user's .npy. */
function walkingSquare(frames: number): Uint8Array {
  const values = new Uint8Array(frames * 16 * 16)
  for (let t = 0; t < frames; t++) {
    for (let y = 6; y < 10; y++) {
      for (let x = t; x < t + 4; x++) values[(t * 16 + y) * 16 + x] = 255
    }
  }
  return encodeNpy(values, [frames, 16, 16])
}

test('a run predicts past its horizon from a dataset clip and from a file it never saw', async ({
  page,
  serve,
}) => {
  test.slow()
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '16', '--digit-size', '8', '--frames', '8')
  await tmu(
    ws,
    ...['train', '-d', 'tiny', '-n', 'predictor', '--hidden', '4', '--kernel', '3', '--patch', '4'],
    ...['--iterations', '2', '--input-frames', '3', '--output-frames', '3', '--test-clips', '2'],
  )
  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)
  await page.goto(`${new URL(url).origin}/#/runs/1`)
  const panel = page.getByRole('region', { name: 'Predict', exact: true })
  await expect(panel).toBeVisible()

  // A test clip of 8 frames: 3 in, 9 out, so truth for 5 and the rest past the clip's end.
  await panel.getByLabel('Horizon (frames)').fill('9')
  await panel.getByRole('button', { name: 'Predict' }).click()
  const summary = panel.getByTestId('prediction-summary')
  await expect(summary).toContainText('From tiny · test clip 0: 3 frames in, 9 predicted')
  await expect(panel.locator('[data-row="Ground truth"]')).toBeVisible()
  await panel.getByRole('heading', { name: 'Predict on new data' }).click()
  await page.keyboard.press('End')
  await expect(panel.getByTestId('prediction-frame')).toHaveText(
    't+9 / 9 · past the trained horizon · no truth this far',
  )

  // A file it never saw, inside the server's import root (the home folder).
  const folder = mkdtempSync(join(homedir(), 'tmu-e2e-predict-'))
  try {
    const file = join(folder, 'square.npy')
    writeFileSync(file, walkingSquare(3))
    await panel.getByRole('combobox', { name: /^From/ }).selectOption('file')
    await panel.getByLabel('Path').fill(file)
    await panel.getByLabel('Horizon (frames)').fill('6')
    await panel.getByRole('button', { name: 'Predict' }).click()
    await expect(summary).toContainText('From square.npy: 3 frames in, 6 predicted')
    // Three frames are all context: no truth row, the inputs and the prediction.
    await expect(panel.locator('[data-row="Ground truth"]')).toHaveCount(0)
    await expect(panel.locator('[data-row="Inputs"]').getByRole('img')).toHaveCount(3)
    await page.screenshot({ path: test.info().outputPath('predict.png'), fullPage: true })

    // A clip too short to predict from is refused by name.
    writeFileSync(file, walkingSquare(2))
    await panel.getByRole('button', { name: 'Predict' }).click()
    await expect(page.getByRole('status').filter({ hasText: 'square.npy' })).toBeVisible()
  } finally {
    rmSync(folder, { recursive: true, force: true })
  }
})
