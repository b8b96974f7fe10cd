import type { Locator } from '@playwright/test'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

const LONG = 'convlstm-source-trained-on-moving-digits-with-a-long-descriptive-name'

/** A table's box: what it would need against what its scroll box shows. */
async function expectFits(table: Locator) {
  const { needed, shown } = await table.evaluate((t) => ({
    needed: t.parentElement!.scrollWidth,
    shown: t.parentElement!.clientWidth,
  }))
  expect(needed).toBeLessThanOrEqual(shown)
}

test('the zoo, built-in and runs tables fit 1280 px, Remove in view', async ({ page, serve }) => {
  await page.setViewportSize({ width: 1280, height: 720 })
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '16', '--digit-size', '8', '--frames', '6')
  await tmu(
    ws,
    ...['train', '-d', 'tiny', '-n', LONG, '--hidden', '4,4', '--kernel', '3', '--patch', '4'],
    ...['--iterations', '2', '--input-frames', '3', '--output-frames', '3', '--test-clips', '2'],
  )
  await tmu(ws, 'zoo', 'add', LONG, '--name', `${LONG}-in-the-zoo`)
  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)

  await app.goTo('Zoo')
  const remove = page.getByRole('button', { name: `Remove ${LONG}-in-the-zoo from the zoo` })
  await expect(remove).toBeVisible()
  const zooTable = page.locator('table', { has: remove })
  await expectFits(zooTable)
  // A cut name is whole in its cell's title.
  await expect(zooTable.locator(`td[title="${LONG}-in-the-zoo"]`)).toBeVisible()
  const box = (await remove.boundingBox())!
  const tableBox = (await zooTable.boundingBox())!
  expect(box.x + box.width).toBeLessThanOrEqual(Math.min(1280, tableBox.x + tableBox.width))
  // The built-in models' descriptions are prose: they wrap rather than push "Add to zoo" out.
  await expectFits(page.getByRole('region', { name: 'Built-in models' }).locator('table'))
  await page.screenshot({ path: test.info().outputPath('zoo-1280.png') })

  await page.getByRole('link', { name: 'Runs', exact: true }).click()
  const runsTable = page.locator('table', { has: page.locator(`tr[data-run="${LONG}"]`) })
  await expect(runsTable).toBeVisible()
  await expectFits(runsTable)
  await page.screenshot({ path: test.info().outputPath('runs-1280.png') })
  app.expectNoErrors()
})
