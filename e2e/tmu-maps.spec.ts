import { ComparePage } from './pages/journey-pages'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

test('Compare shows a TMU run’s gate, departure and memory maps beside its prediction', async ({
  page,
  serve,
}) => {
  // Three CLI trainings of two iterations each; slow when other work shares the machine.
  test.slow()
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '32', '--digit-size', '16', '--frames', '6')
  const run = ['--hidden', '4', '--kernel', '3', '--patch', '4', '--input-frames', '3']
  const short = ['--output-frames', '3', '--iterations', '2', '--test-clips', '2']
  const ids: string[] = []
  for (const name of ['src-one', 'src-two']) {
    const out = await tmu(
      ws,
      'train',
      '-d',
      'tiny',
      '--kind',
      'source',
      '-n',
      name,
      ...run,
      ...short,
    )
    ids.push(/run (\d+) completed/.exec(out)![1]!)
  }
  await tmu(
    ws,
    ...['train', '-d', 'tiny', '--kind', 'tmu', '--sources', ids.join(','), '-n', 'target'],
    ...run,
    ...short,
  )
  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)
  await app.goTo('Compare')
  const compare = new ComparePage(page)
  await compare.pick('target')
  await compare.pick('src-one')
  await expect(compare.playerRow('target').getByRole('img').first()).toBeVisible()

  // Only with a TMU run chosen is there a toggle, and the maps wait for it.
  const toggle = page.getByRole('checkbox', { name: /TMU maps/ })
  const maps = compare.playerRow('target · TMU maps')
  await expect(maps).toHaveCount(0)
  await toggle.check()
  // One gate map per source, one departure map per source and |C|, each with a scale.
  await expect(maps.getByRole('img')).toHaveCount(5)
  for (const label of ['T · src-one', 'T · src-two', '|D − C̃| · src-one', '|D − C̃| · src-two']) {
    await expect(maps.locator('figure.pane', { hasText: label })).toHaveCount(1)
  }
  await expect(maps.locator('figure.pane').last()).toContainText('|C|')
  await expect(maps.locator('figure.colour-bar')).toHaveCount(3)
  await expect(maps.getByLabel('Colour scale: transfer gate T')).toContainText('1')
  await expect(maps).toContainText('TMU layer 1')
  // The source run is no TMU target: no maps row.
  await expect(compare.playerRow('src-one · TMU maps')).toHaveCount(0)

  // Map panes are as large as the frames, so their cells lie over the prediction's pixels.
  const sizes = await page
    .locator('[data-row="target"] canvas, [data-row="target · TMU maps"] canvas')
    .evaluateAll((canvases) => canvases.map((c) => `${c.clientWidth}×${c.clientHeight}`))
  expect(new Set(sizes).size).toBe(1)

  // The pixel probe reads the maps at the spot under the pointer, frame-locked.
  const gate = maps.locator('canvas').first()
  await gate.hover({ position: { x: 10, y: 10 } })
  await expect(maps.locator('[data-probe]').first()).toHaveText(/^T = 0(\.\d+)?$|^T = 1$/)
  await expect(maps.locator('[data-probe]').last()).toHaveText(/^\|C\| = \d/)
  await expect(compare.playerRow('target').locator('[data-probe]').first()).toBeVisible()
  await page.locator('body').press('End')
  await expect(compare.frameLabel).toContainText('t+3 / 3')

  await page.setViewportSize({ width: 1280, height: 900 })
  await page.screenshot({ path: test.info().outputPath('tmu-maps.png'), fullPage: true })

  // Along the training-step axis no maps were kept, so the toggle is not offered there.
  await page.getByRole('radio', { name: 'Training steps' }).check()
  await expect(toggle).toHaveCount(0)
  await page.getByRole('radio', { name: 'Test clips' }).check()
  await expect(maps).toBeVisible()

  // Off again, the player is the predictions alone.
  await toggle.uncheck()
  await expect(maps).toHaveCount(0)
})
