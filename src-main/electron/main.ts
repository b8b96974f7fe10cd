import { app, BrowserWindow, dialog, shell } from 'electron'
import { join } from 'node:path'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { createLogger } from '../util/logger'
import { serveRendererProtocol, registerRendererScheme, RENDERER_ORIGIN } from './renderer-protocol'
import { attachIpc } from './ipc-transport'
import { electronSqliteBinding, explainStartupError } from './sqlite-binding'

const log = createLogger('electron')

// Must happen before `ready`: the scheme is privileged (secure, standard) like https.
registerRendererScheme()

let workbench: Workbench | null = null

function createMainWindow(wb: Workbench): BrowserWindow {
  const window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 1280,
    minHeight: 720,
    title: 'TMU Workbench',
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '..', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  })
  window.once('ready-to-show', () => window.show())

  // The window shows only the workbench: links elsewhere open in the system browser, and
  // nothing may navigate the window away or open another one.
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event, url) => {
    if (!url.startsWith(RENDERER_ORIGIN)) event.preventDefault()
  })

  attachIpc(window.webContents, wb)
  const devServer = process.env.ELECTRON_RENDERER_URL
  void window.loadURL(devServer ?? `${RENDERER_ORIGIN}/index.html`)
  return window
}

app
  .whenReady()
  .then(() => {
    serveRendererProtocol(join(import.meta.dirname, '..', 'renderer'))
    workbench = createWorkbench({
      workspace: process.env.TMU_WORKSPACE ?? join(app.getPath('userData'), 'workspace'),
      transport: 'ipc',
      sqliteBinding: electronSqliteBinding(app.getAppPath()),
    })
    createMainWindow(workbench)
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0 && workbench) createMainWindow(workbench)
    })
  })
  .catch((error: unknown) => {
    // A workspace from a newer version, or one another workbench is running jobs in:
    // say so in a window, not only in a log the user never opens.
    log.error('start-up failed', { error: String(error) })
    dialog.showErrorBox(
      'TMU Workbench could not start',
      explainStartupError(error, app.getAppPath()),
    )
    app.exit(1)
  })

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Trainers write a checkpoint before they stop: hold the quit until they have.
app.on('will-quit', (event) => {
  const closing = workbench
  if (!closing) return
  workbench = null
  event.preventDefault()
  void closing.close().finally(() => app.quit())
})
