import type { Locator, Page } from '@playwright/test'
import { ComparePage, NewRunPage } from './pages/journey-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

/** Evaluated at 2, 4 and 6 (the last step): three points on the training-step axis. */
const SHORT = ['--iterations', '6', '--eval-every', '2', '--checkpoint-every', '2']

/** The pixels of a canvas, as a data URL: equal strings, equal images (e2e has no DOM types). */
const pixels = (canvas: Locator) =>
  canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL())

async function setStep(page: Page, index: number) {
  await page.getByRole('slider', { name: 'Training step' }).fill(String(index))
}

test('predictions during training: a step slider on the run page, a step axis in Compare, live', async ({
  page,
  serve,
}) => {
  test.slow()
  // The workspace belongs to one process at a time: the CLI trains while the server is down.
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '16', '--digit-size', '8', '--frames', '8')
  for (const name of ['steps-a', 'steps-b']) {
    await tmu(
      ws,
      ...['train', '-d', 'tiny', '-n', name, '--hidden', '4', '--kernel', '3', '--patch', '4'],
      ...['--input-frames', '3', '--output-frames', '5', '--test-clips', '2', ...SHORT],
    )
  }
  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)
  const origin = new URL(url).origin

  // The run page: truth and prediction of a kept validation clip, at the latest evaluation.
  await page.goto(`${origin}/#/runs/1`)
  await expect(page.getByRole('heading', { level: 2, name: 'steps-a' })).toBeVisible()
  const panel = page.getByTestId('training-steps')
  const step = panel.getByTestId('training-step')
  await expect(step).toContainText('iteration 6 (evaluation 3 of 3)')
  await expect(panel.locator('[data-row="Ground truth"] canvas')).toBeVisible()
  await expect(panel.locator('[data-row="Inputs"] canvas')).toHaveCount(3)
  const prediction = (iteration: number) =>
    panel.locator(`[data-row="iteration ${iteration}"] canvas`).first()
  await expect(prediction(6)).toBeVisible()
  const last = await pixels(prediction(6))
  await panel.scrollIntoViewIfNeeded()
  await page.screenshot({ path: test.info().outputPath('run-training-steps.png'), fullPage: true })

  // Back to the first evaluation: the prediction is the younger model's.
  await setStep(page, 0)
  await expect(step).toContainText('iteration 2 (evaluation 1 of 3)')
  await expect(prediction(2)).toBeVisible()
  expect(await pixels(prediction(2))).not.toEqual(last)
  // The frames play as the other players do.
  await panel.getByRole('button', { name: 'Next frame' }).click()
  await expect(panel.getByTestId('frame-label')).toContainText('frame 2 / 5')

  // Compare: the test-clip comparison by default, training steps a switch away.
  await app.goTo('Compare')
  const compare = new ComparePage(page)
  await compare.pick('steps-a')
  await compare.pick('steps-b')
  await expect(compare.playerRow('steps-b').getByRole('img').first()).toBeVisible()
  await page.getByLabel('Training steps').check()
  const steps = page.getByTestId('compare-steps')
  await expect(steps.getByTestId('training-step')).toContainText('iteration 6')
  await expect(steps).toContainText('latest evaluation at or before this iteration')
  for (const name of ['steps-a', 'steps-b']) {
    await expect(steps.locator(`[data-row="${name} · iteration 6"] canvas`).first()).toBeVisible()
  }
  await setStep(page, 0)
  for (const name of ['steps-a', 'steps-b']) {
    await expect(steps.locator(`[data-row="${name} · iteration 2"] canvas`).first()).toBeVisible()
  }
  await page.screenshot({
    path: test.info().outputPath('compare-training-steps.png'),
    fullPage: true,
  })
  await page.getByLabel('Test clips').check()
  await expect(compare.playerRow('steps-a').getByRole('img').first()).toBeVisible()

  // Live: a run trained by the server fills its panel as its evaluations arrive, no reload.
  await page.goto(`${origin}/#/runs/new`)
  await new NewRunPage(page).create({
    name: 'steps-live',
    dataset: 'tiny',
    numbers: {
      'Image height': 16,
      'Image width': 16,
      'Hidden channels per layer': 4,
      'Patch size': 4,
      'Batch size': 4,
      'Input frames (Tin)': 3,
      'Output frames (Tout)': 5,
      Iterations: 300,
      'Evaluate every': 100,
      'Checkpoint every': 100,
    },
  })
  const live = page.getByTestId('training-steps').getByTestId('training-step')
  await expect(live).toContainText('iteration 300 (evaluation 3 of 3)', { timeout: 90_000 })
  app.expectNoErrors()
})
