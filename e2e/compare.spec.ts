import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import type { Page } from '@playwright/test'
import { PNG } from 'pngjs'
import { ComparePage } from './pages/journey-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

const LONG = 'convlstm-with-a-long-name-that-would-stretch-its-caption'
const RUNS = ['short-a', LONG, 'mid-name-c']
/** Five more, to fill the view's 8 runs. */
const MORE = ['run-d', 'run-e', 'run-f', 'run-g', 'run-h']

test('compare shows one run or several in equal panes, with inputs, keys and scales', async ({
  page,
  serve,
}) => {
  // Eight CLI trainings, one after another: ~50 s on an idle 2-core machine, minutes when the
  // other worker trains a study beside it.
  test.slow()
  // The workspace belongs to one process at a time: the CLI trains while the server is down.
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '16', '--digit-size', '8', '--frames', '8')
  for (const name of [...RUNS, ...MORE]) {
    await tmu(
      ws,
      ...['train', '-d', 'tiny', '-n', name, '--hidden', '4', '--kernel', '3', '--patch', '4'],
      ...['--iterations', '2', '--input-frames', '3', '--output-frames', '5', '--test-clips', '2'],
    )
  }
  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)
  await app.goTo('Compare')
  const compare = new ComparePage(page)
  await expect(page.getByTestId('compare-empty')).toBeVisible()

  // One run is shown as it is, without asking for a second.
  await compare.pick('short-a')
  await expect(compare.playerRow('short-a').getByRole('img').first()).toBeVisible()
  await expect(page.getByTestId('compare-empty')).toBeHidden()
  await expect(page.getByText(/at least two/)).toHaveCount(0)

  await compare.pick(LONG)
  await compare.pick('mid-name-c')
  await expect(compare.playerRow('mid-name-c').getByRole('img').first()).toBeVisible()
  await page.getByLabel('Zoom').selectOption('2')

  // Every pane is the same size, whatever its caption; a long name is cut with its full title.
  const panes = page.getByTestId('player').locator('figure.pane')
  const boxes = await panes.evaluateAll((figures) =>
    figures.map((f) => {
      const box = f.getBoundingClientRect()
      return `${Math.round(box.width)}×${Math.round(box.height)}`
    }),
  )
  expect(boxes.length).toBeGreaterThanOrEqual(1 + 3 + 2 * 3)
  expect(new Set(boxes)).toEqual(new Set([`${16 * 2 + 2}×${boxes[0]!.split('×')[1]}`]))
  await expect(compare.playerRow(LONG).locator(`[title="${LONG}"]`)).toBeVisible()

  // The context frames come first, marked as inputs.
  const inputs = compare.playerRow('Inputs')
  await expect(inputs).toContainText('Inputs: the 3 frames every model saw')
  await expect(inputs.getByRole('img')).toHaveCount(3)

  // Home/End, and Shift+arrows stop at the ends (5 predicted frames).
  const body = page.locator('body')
  await expect(compare.frameLabel).toContainText('t+1 / 5')
  await body.press('End')
  await expect(compare.frameLabel).toContainText('t+5 / 5')
  await body.press('Home')
  await expect(compare.frameLabel).toContainText('t+1 / 5')
  await body.press('ArrowRight')
  await body.press('Shift+ArrowRight')
  await expect(compare.frameLabel).toContainText('t+5 / 5')
  await body.press('Shift+ArrowLeft')
  await expect(compare.frameLabel).toContainText('t+1 / 5')

  // Each heat-map mode on screen has a colour bar with its scale.
  const absBar = page.locator('[data-heat="abs"]')
  await expect(absBar).toContainText('|prediction − truth|')
  await expect(absBar).toContainText('255')
  await expect(page.locator('[data-heat="signed"]')).toHaveCount(0)
  await page.getByLabel('Signed difference').check()
  await expect(page.locator('[data-heat="signed"]')).toContainText('+255')

  // Exports carry labels (names, t+k, colour bars; src-main/media/labelled-export.test.ts checks
  // the pixels), and the MP4, encoded main-side by ffmpeg, decodes to one frame per prediction.
  const strip = await download(page, 'Export PNG strip')
  expect(strip.name).toBe('compare-clip0.png')
  const png = PNG.sync.read(strip.bytes)
  // Five frames of 32 px, and a column of run names before them.
  expect(png.width).toBeGreaterThan(5 * (16 * 2 + 4) + 100)
  const video = await download(page, 'Export MP4')
  expect(video.name).toBe('compare-clip0.mp4')
  const probe = spawnSync('ffprobe', [
    ...['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-of', 'json'],
    ...['-show_entries', 'stream=codec_name,nb_read_frames', video.path],
  ])
  expect(JSON.parse(String(probe.stdout)).streams[0]).toEqual({
    codec_name: 'h264',
    nb_read_frames: '5',
  })

  // The figure export: SVG with vector labels and one <image> per frame shown; its PNG is the
  // same layout drawn by Chromium, frames magnified pixel for pixel.
  const svg = await exportFigure(page, 'svg')
  expect(svg.name).toBe('compare-clip0-figure.svg')
  const text = String(svg.bytes)
  // The truth: 3 context + 5 predicted frames; each of 3 runs and its |error| row: 5.
  expect(text.match(/<image /g)).toHaveLength(3 + 5 + 3 * 5 * 2)
  const labels = [...text.matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1])
  expect(labels).toEqual(expect.arrayContaining([...RUNS, 'Ground truth', '|error|', 't−2', 't+5']))
  const [, width, height] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(text)!
  const figure = await exportFigure(page, 'png')
  writeFileSync(test.info().outputPath('figure.png'), figure.bytes)
  const figurePng = PNG.sync.read(figure.bytes)
  expect([figurePng.width, figurePng.height]).toEqual([Number(width), Number(height)])
  const first = /<image x="(\d+)" y="(\d+)"[^>]*xlink:href="data:image\/png;base64,([^"]+)"/.exec(
    text,
  )!
  const frame = PNG.sync.read(Buffer.from(first[3]!, 'base64'))
  const [x0, y0] = [Number(first[1]), Number(first[2])]
  for (let v = 0; v < frame.height * 2; v++) {
    for (let u = 0; u < frame.width * 2; u++) {
      const drawn = ((y0 + v) * figurePng.width + x0 + u) * 4
      const source = ((v >> 1) * frame.width + (u >> 1)) * 4
      expect(figurePng.data[drawn]).toBe(frame.data[source])
    }
  }

  // One legend for the metric charts, so each keeps its full plot height.
  const legend = page.getByRole('list', { name: 'Runs' })
  await expect(legend.getByRole('listitem')).toHaveCount(3)
  for (const name of ['MSE per frame', 'SSIM per frame', 'PSNR per frame']) {
    const plot = page.getByRole('img', { name })
    expect((await plot.boundingBox())!.height).toBeGreaterThanOrEqual(200)
    // The plot itself, not legends, fills the box (per-chart legends of 8 runs left ~60 px).
    expect(Number(await plot.getAttribute('data-plot-height'))).toBeGreaterThanOrEqual(150)
  }

  await page.screenshot({ path: test.info().outputPath('compare-3-runs.png'), fullPage: true })
  await page.setViewportSize({ width: 1920, height: 1080 })
  await page.screenshot({ path: test.info().outputPath('compare-3-runs-1920.png'), fullPage: true })

  // Eight runs: the charts keep their height, the panes their size.
  await page.setViewportSize({ width: 1280, height: 720 })
  for (const name of MORE) await compare.pick(name)
  await expect(compare.playerRow('run-h').getByRole('img').first()).toBeVisible()
  await expect(legend.getByRole('listitem')).toHaveCount(8)
  for (const name of ['MSE per frame', 'SSIM per frame', 'PSNR per frame']) {
    const plot = page.getByRole('img', { name })
    expect((await plot.boundingBox())!.height).toBeGreaterThanOrEqual(200)
    // The plot itself, not legends, fills the box (per-chart legends of 8 runs left ~60 px).
    expect(Number(await plot.getAttribute('data-plot-height'))).toBeGreaterThanOrEqual(150)
  }
  const sizes = await panes.evaluateAll((figures) =>
    figures.map((f) => Math.round(f.getBoundingClientRect().width)),
  )
  expect(new Set(sizes)).toEqual(new Set([16 * 2 + 2]))
  await page.screenshot({ path: test.info().outputPath('compare-8-runs.png'), fullPage: true })
  app.expectNoErrors()
})

/** Exports the figure at zoom 2 with |error| rows and the context frames, as `format`. */
async function exportFigure(page: Page, format: 'svg' | 'png') {
  await page.getByRole('button', { name: 'Export figure…' }).click()
  const dialog = page.getByRole('dialog', { name: 'Export figure' })
  await dialog.getByLabel('Zoom').selectOption('2')
  await expect(dialog.getByRole('checkbox', { name: /^Context frames/ })).toBeChecked()
  await dialog.getByRole('checkbox', { name: '|error| row per model' }).check()
  await dialog.getByRole('checkbox', { name: 'Signed-difference row per model' }).uncheck()
  await dialog.getByRole('radio', { name: format === 'svg' ? /^SVG/ : 'PNG' }).check()
  await dialog.screenshot({ path: test.info().outputPath(`figure-dialog-${format}.png`) })
  const started = page.waitForEvent('download')
  await dialog.getByRole('button', { name: 'Export figure' }).click()
  const file = await started
  await expect(dialog).toBeHidden()
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) }
}

/** Clicks an export button and reads the file it downloads. */
async function download(page: Page, button: string) {
  const started = page.waitForEvent('download')
  await page.getByRole('button', { name: button }).click()
  const file = await started
  const path = (await file.path())!
  return { name: file.suggestedFilename(), path, bytes: readFileSync(path) }
}
