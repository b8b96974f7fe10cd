import { app, BrowserWindow, dialog, ipcMain, Menu, screen, shell } from 'electron'
import { join } from 'node:path'
import { PICK_PATH_CHANNEL } from '../api/contract/ipc-channel'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { startServer, type RunningServer } from '../server/serve'
import { createLogger } from '../util/logger'
import { WORKBENCH_VERSION } from '../util/version'
import { aboutDetail, appMenuTemplate } from './app-menu'
import { importPickerOptions, isPickKind } from './import-picker'
import { attachIpc } from './ipc-transport'
import { quitQuestion } from './quit-guard'
import { serveRendererProtocol, registerRendererScheme, RENDERER_ORIGIN } from './renderer-protocol'
import { electronSqliteBinding, explainStartupError } from './sqlite-binding'
import { boundsToOpen, MIN_SIZE, readWindowState, writeWindowState } from './window-state'
import { readWorkspaceChoice, writeWorkspaceChoice } from './workspace-choice'

const log = createLogger('electron')

// Tests give each app its own profile (and so its own single-instance lock).
if (process.env.TMU_USER_DATA) app.setPath('userData', process.env.TMU_USER_DATA)

// Must happen before `ready`: the scheme is privileged (secure, standard) like https.
registerRendererScheme()

const windowStateFile = () => join(app.getPath('userData'), 'window-state.json')
const workspaceChoiceFile = () => join(app.getPath('userData'), 'workspace.json')

let workbench: Workbench | null = null
let mainWindow: BrowserWindow | null = null
let browserServer: Promise<RunningServer> | null = null
/** Set once the user has agreed to quit (or nothing trains): the next quit goes through. */
let quitConfirmed = false

function createMainWindow(wb: Workbench): BrowserWindow {
  const workAreas = [screen.getPrimaryDisplay(), ...screen.getAllDisplays()].map((d) => d.workArea)
  const bounds = boundsToOpen(readWindowState(windowStateFile()), workAreas)
  const window = new BrowserWindow({
    x: bounds.x,
    y: bounds.y,
    width: bounds.width,
    height: bounds.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
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
  if (bounds.maximized) window.maximize()
  window.once('ready-to-show', () => window.show())
  window.on('close', (event) => {
    writeWindowState(windowStateFile(), {
      ...window.getNormalBounds(),
      maximized: window.isMaximized(),
    })
    // Closing the last window quits on Windows and Linux: ask first if something trains.
    if (process.platform !== 'darwin' && !quitConfirmed) {
      event.preventDefault()
      void requestQuit()
    }
  })
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null
  })

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
  mainWindow = window
  return window
}

/** Shows a page of the renderer (its router uses the URL's hash). */
function showPage(hash: string) {
  const window = mainWindow ?? (workbench && createMainWindow(workbench))
  if (!window) return
  window.show()
  void window.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`)
}

/** Quits after asking, when a run trains; the trainers then checkpoint (see will-quit). */
async function requestQuit() {
  const question = workbench ? quitQuestion(await workbench.call('jobs.list', {})) : null
  if (question) {
    const options = {
      type: 'question' as const,
      buttons: ['Quit', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: question.message,
      detail: question.detail,
    }
    const { response } = mainWindow
      ? await dialog.showMessageBox(mainWindow, options)
      : await dialog.showMessageBox(options)
    if (response !== 0) return
  }
  quitConfirmed = true
  app.quit()
}

/** File › Open Workspace: remembers the folder and starts again on it. */
async function openWorkspace() {
  const options = {
    title: 'Open Workspace',
    buttonLabel: 'Open',
    properties: ['openDirectory' as const, 'createDirectory' as const],
  }
  const picked = mainWindow
    ? await dialog.showOpenDialog(mainWindow, options)
    : await dialog.showOpenDialog(options)
  const folder = picked.filePaths[0]
  if (picked.canceled || !folder || folder === workbench?.paths.root) return
  writeWorkspaceChoice(workspaceChoiceFile(), folder)
  app.relaunch()
  await requestQuit()
}

/**
 * The renderer's Choose… buttons: the native open dialog, and what the user picks there may be
 * imported (serve mode keeps its import folders; a person choosing a file here is consent).
 */
function servePathPicker() {
  ipcMain.handle(PICK_PATH_CHANNEL, async (event, kind: unknown) => {
    const window = mainWindow
    if (!window || event.sender !== window.webContents || !workbench || !isPickKind(kind)) {
      return null
    }
    const picked = await dialog.showOpenDialog(window, importPickerOptions(kind))
    const path = picked.filePaths[0]
    if (picked.canceled || !path) return null
    return workbench.grantImport(path)
  })
}

/** File › Open in Browser: serve mode on demand, in this process, then its tokenised URL. */
async function openInBrowser(wb: Workbench) {
  browserServer ??= startServer({
    workbench: wb,
    rendererDir: join(import.meta.dirname, '..', 'renderer'),
  })
  try {
    await shell.openExternal((await browserServer).url)
  } catch (error) {
    browserServer = null
    dialog.showErrorBox('TMU Workbench could not open a browser', String(error))
  }
}

function showAbout(wb: Workbench) {
  const detail = aboutDetail({
    workbench: WORKBENCH_VERSION,
    electron: process.versions.electron ?? '',
    chrome: process.versions.chrome ?? '',
    node: process.versions.node,
    v8: process.versions.v8,
    workspace: wb.paths.root,
  })
  const options = {
    type: 'info' as const,
    title: 'About TMU Workbench',
    message: 'TMU Workbench',
    detail,
  }
  void (mainWindow ? dialog.showMessageBox(mainWindow, options) : dialog.showMessageBox(options))
}

function start() {
  serveRendererProtocol(join(import.meta.dirname, '..', 'renderer'))
  const wb = createWorkbench({
    workspace:
      process.env.TMU_WORKSPACE ??
      readWorkspaceChoice(workspaceChoiceFile()) ??
      join(app.getPath('userData'), 'workspace'),
    transport: 'ipc',
    sqliteBinding: electronSqliteBinding(app.getAppPath()),
  })
  workbench = wb
  const template = appMenuTemplate(
    {
      openWorkspace: () => void openWorkspace(),
      newRun: () => showPage('#/runs/new'),
      openSettings: () => showPage('#/settings'),
      openInBrowser: () => void openInBrowser(wb),
      about: () => showAbout(wb),
    },
    { platform: process.platform, development: !app.isPackaged },
  )
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
  servePathPicker()
  createMainWindow(wb)
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && workbench) createMainWindow(workbench)
  })
}

// One workbench window per profile: a second launch hands over to the first and exits.
if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.show()
    mainWindow.focus()
  })
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // A workspace from a newer version, one another workbench is running jobs in, or an
      // addon built for another ABI: say so in a window, not only in a log.
      log.error('start-up failed', { error: String(error) })
      dialog.showErrorBox(
        'TMU Workbench could not start',
        explainStartupError(error, app.getAppPath()),
      )
      app.exit(1)
    })
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit()
})

// Cmd+Q, the menu's Quit, or the last window closed: ask first while a run trains.
app.on('before-quit', (event) => {
  if (quitConfirmed || !workbench) return
  event.preventDefault()
  void requestQuit()
})

// Trainers write a checkpoint before they stop: hold the quit until they have.
app.on('will-quit', (event) => {
  const closing = workbench
  if (!closing) return
  workbench = null
  event.preventDefault()
  const server = browserServer
  void Promise.resolve(server?.then((s) => s.close()))
    .catch(() => undefined)
    .then(() => closing.close())
    .finally(() => app.quit())
})
