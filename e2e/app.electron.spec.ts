import { _electron as electron, expect, test } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findElectronBinary, hasDisplay } from './electron-binary'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'

const binary = findElectronBinary()
const skipReason =
  'missing' in binary
    ? `Electron end-to-end skipped: ${binary.missing}`
    : !hasDisplay()
      ? 'Electron end-to-end skipped: no display (run under xvfb-run)'
      : null

test.describe('desktop app', () => {
  test('opens a sandboxed window and keeps an experiment', async () => {
    if (skipReason) {
      // The list reporter hides skip reasons; CI's log should say why this went untested.
      console.log(skipReason)
      test.skip(true, skipReason)
    }
    const workspace = mkdtempSync(join(tmpdir(), 'tmu-electron-'))
    const app = await electron.launch({
      executablePath: 'path' in binary ? binary.path : '',
      args: [join(import.meta.dirname, '..')],
      env: { ...process.env, TMU_WORKSPACE: workspace },
    })
    const window = await app.firstWindow()
    const page = new WorkbenchPage(window)
    await expect(window.getByRole('navigation', { name: 'Sections' })).toBeVisible()
    // The renderer must not reach Node: no require, no process.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    )
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
      'undefined',
    )
    await page.goTo('Experiments')
    await new ExperimentsPage(window).create('desktop experiment')
    page.expectNoErrors()
    await app.close()
  })
})
