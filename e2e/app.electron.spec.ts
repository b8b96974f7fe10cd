import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test'
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeNpy } from '../src-main/data/npy'
import { MENU_IDS } from '../src-main/electron/app-menu'
import { findElectronBinary, hasDisplay } from './electron-binary'
import { ImportWizard } from './pages/transfer-pages'
import { ExperimentsPage, WorkbenchPage } from './pages/workbench-page'

const binary = findElectronBinary()
const skipReason =
  'missing' in binary ? binary.missing : !hasDisplay() ? 'no display (run under xvfb-run)' : null
const appRoot = join(import.meta.dirname, '..')

/** The app on a fresh workspace, with a profile (and so a single-instance lock) of its own. */
function profile() {
  return {
    TMU_WORKSPACE: mkdtempSync(join(tmpdir(), 'tmu-electron-')),
    TMU_USER_DATA: mkdtempSync(join(tmpdir(), 'tmu-electron-profile-')),
  }
}

function launch(env: Record<string, string>): Promise<ElectronApplication> {
  return electron.launch({
    executablePath: 'path' in binary ? binary.path : '',
    args: [appRoot],
    env: { ...process.env, ...env } as Record<string, string>,
  })
}

// The reason is in the title: the list reporter shows titles, not skip annotations.
test.describe(`desktop app${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  test.beforeEach(() => {
    test.skip(skipReason !== null, `Electron end-to-end skipped: ${skipReason}`)
  })

  test('opens a sandboxed window and keeps an experiment', async () => {
    const app = await launch(profile())
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

  test('a second launch hands over to the first window and exits', async () => {
    const env = profile()
    const app = await launch(env)
    const window = await app.firstWindow()
    await expect(window.getByRole('navigation', { name: 'Sections' })).toBeVisible()
    await app.evaluate(({ app: electronApp }) => {
      const state = globalThis as { secondLaunch?: Promise<true> }
      state.secondLaunch = new Promise((resolve) =>
        electronApp.once('second-instance', () => resolve(true)),
      )
    })
    const second = spawn('path' in binary ? binary.path : '', [appRoot], {
      env: { ...process.env, ...env },
      stdio: 'ignore',
    })
    const exitCode = await new Promise<number | null>((resolve) => second.on('exit', resolve))
    expect(exitCode).toBe(0)
    expect(
      await app.evaluate(() => (globalThis as { secondLaunch?: Promise<true> }).secondLaunch),
    ).toBe(true)
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1)
    await app.close()
  })

  test("the menu's New Run opens the new-run form", async () => {
    const app = await launch(profile())
    const window = await app.firstWindow()
    await expect(window.getByRole('navigation', { name: 'Sections' })).toBeVisible()
    await app.evaluate(({ Menu }, id) => {
      Menu.getApplicationMenu()?.getMenuItemById(id)?.click()
    }, MENU_IDS.newRun)
    await expect(window).toHaveURL(/#\/runs\/new$/)
    await expect(window.getByRole('heading', { name: 'New run' })).toBeVisible()
    await app.close()
  })

  test('a file picked in the native dialog imports from outside the import folders', async () => {
    // Under the temp folder, not the home folder: serve mode would refuse it.
    const file = join(mkdtempSync(join(tmpdir(), 'tmu-electron-picked-')), 'clips.npy')
    writeFileSync(file, encodeNpy(new Uint8Array(6 * 4 * 8 * 8), [6, 4, 8, 8]))
    const app = await launch(profile())
    const window = await app.firstWindow()
    await expect(window.getByRole('navigation', { name: 'Sections' })).toBeVisible()
    // The dialog itself is the OS's; what the app does with its answer is under test.
    await app.evaluate(({ dialog }, picked) => {
      dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [picked] })) as never
    }, file)
    await new WorkbenchPage(window).goTo('Datasets')
    const wizard = new ImportWizard(window)
    await wizard.form.getByRole('button', { name: 'Choose file…' }).click()
    await expect(wizard.form.getByLabel('Path', { exact: true })).toHaveValue(file)
    await wizard.form.getByLabel('Array layout').selectOption('NTHW')
    await wizard.form.getByRole('button', { name: 'Preview' }).click()
    await expect(wizard.previewPanel.getByTestId('preview-clip-count')).toHaveText('6')
    await wizard.import('picked clips')
    await app.close()
  })
})
