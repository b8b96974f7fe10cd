import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { WorkbenchPage } from './pages/workbench-page'
import { expect, test } from './serve-fixture'
import { tmu } from './tmu-cli'

/**
 * Sets the output layer of a run's newest checkpoint to ±Inf, as a model that diverged in
 * training or met a broken kernel would be: every prediction is then NaN.
 */
function divergeLatestCheckpoint(runDir: string) {
  const latest = readdirSync(runDir)
    .filter((name) => name.startsWith('ckpt-'))
    .sort()
    .at(-1)!
  const file = join(runDir, latest, 'weights.safetensors')
  const bytes = readFileSync(file)
  const headerLength = Number(bytes.readBigUInt64LE(0))
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString()) as Record<
    string,
    { data_offsets: [number, number] }
  >
  const [start, end] = header['conv_last.weight']!.data_offsets
  const values = new Float32Array((end - start) / 4).map((_, i) => (i % 2 ? Infinity : -Infinity))
  Buffer.from(values.buffer).copy(bytes, 8 + headerLength + start)
  writeFileSync(file, bytes)
}

test('a model that predicts NaN is scored NaN and flagged in the CLI and on its page', async ({
  page,
  serve,
}) => {
  // The workspace belongs to one process at a time: the CLI trains while the server is down.
  await serve.stop()
  const ws = serve.workspace
  await tmu(ws, 'data', 'generate', 'tiny', '--size', '16', '--digit-size', '8', '--frames', '6')
  await tmu(
    ws,
    ...['train', '-d', 'tiny', '-n', 'diverges', '--hidden', '4', '--kernel', '3', '--patch', '4'],
    ...['--iterations', '2', '--input-frames', '3', '--output-frames', '3', '--test-clips', '4'],
  )
  divergeLatestCheckpoint(join(ws, 'runs', '1'))

  const scored = await tmu(ws, 'eval', 'diverges')
  expect(scored).toMatch(/mean\s+NaN\s+NaN\s+NaN\s+NaN/)
  expect(scored).toContain('4 of 4 clips were predicted with NaN or ±Inf values')
  expect(await tmu(ws, 'runs')).toMatch(/diverges .* NaN {2}NaN/)

  const url = await serve.restart()
  const app = new WorkbenchPage(page)
  await app.open(url)
  await page.goto(`${new URL(url).origin}/#/runs/1`)
  await expect(page.getByTestId('non-finite-warning')).toContainText('4 test clips were predicted')
  await expect(page.locator('p.test')).toContainText('MSE NaN')
  await page.screenshot({ path: test.info().outputPath('diverged-run.png') })
  app.expectNoErrors()
})
