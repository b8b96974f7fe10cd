import type { MenuItemConstructorOptions } from 'electron'
import { describe, expect, it } from 'vitest'
import { aboutDetail, appMenuTemplate, MENU_IDS, type MenuActions } from './app-menu'
import { quitQuestion } from './quit-guard'
import type { ActiveJob } from '../api/contract'

/** Records which action each click reached. */
function recordingActions() {
  const calls: string[] = []
  const actions: MenuActions = {
    openWorkspace: () => calls.push('openWorkspace'),
    newRun: () => calls.push('newRun'),
    openSettings: () => calls.push('openSettings'),
    openInBrowser: () => calls.push('openInBrowser'),
    about: () => calls.push('about'),
  }
  return { actions, calls }
}

function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [
    item,
    ...(Array.isArray(item.submenu) ? flatten(item.submenu as MenuItemConstructorOptions[]) : []),
  ])
}

const click = (item: MenuItemConstructorOptions | undefined) =>
  (item?.click as (() => void) | undefined)?.()

describe('appMenuTemplate', () => {
  it('has File, Edit, View, Window and Help, and on macOS the app menu first', () => {
    const { actions } = recordingActions()
    const names = (platform: NodeJS.Platform) =>
      appMenuTemplate(actions, { platform, development: false }).map((m) => m.label ?? m.role)
    expect(names('linux')).toEqual(['File', 'editMenu', 'View', 'windowMenu', 'help'])
    expect(names('darwin')).toEqual([
      'TMU Workbench',
      'File',
      'editMenu',
      'View',
      'windowMenu',
      'help',
    ])
  })

  it('binds each item to its action with the usual shortcut', () => {
    const { actions, calls } = recordingActions()
    const items = flatten(appMenuTemplate(actions, { platform: 'win32', development: false }))
    const byId = (id: string) => items.find((item) => item.id === id)
    expect(byId(MENU_IDS.newRun)?.accelerator).toBe('CmdOrCtrl+N')
    expect(byId(MENU_IDS.openWorkspace)?.accelerator).toBe('CmdOrCtrl+O')
    expect(byId(MENU_IDS.settings)?.accelerator).toBe('CmdOrCtrl+,')
    for (const id of Object.values(MENU_IDS).filter((id) => id !== MENU_IDS.toggleDevTools)) {
      click(byId(id))
    }
    expect(calls).toEqual(['openWorkspace', 'newRun', 'openSettings', 'openInBrowser', 'about'])
    expect(items.some((item) => item.role === 'reload')).toBe(true)
    expect(items.some((item) => item.role === 'quit')).toBe(true)
  })

  it('offers the developer tools only in development', () => {
    const { actions } = recordingActions()
    const hasDevTools = (development: boolean) =>
      flatten(appMenuTemplate(actions, { platform: 'linux', development })).some(
        (item) => item.role === 'toggleDevTools',
      )
    expect(hasDevTools(true)).toBe(true)
    expect(hasDevTools(false)).toBe(false)
  })

  it('says in About which versions run and which workspace is open', () => {
    expect(
      aboutDetail({
        workbench: '0.1.0',
        electron: '45.5.0',
        chrome: '142.0.0.0',
        node: '22.20.0',
        v8: '14.2',
        workspace: '/home/ada/tmu',
      }),
    ).toBe(
      'Version 0.1.0\nElectron 45.5.0, Chromium 142.0.0.0, Node 22.20.0, V8 14.2\nWorkspace /home/ada/tmu',
    )
  })
})

describe('quitQuestion', () => {
  const job = (runName: string, state: ActiveJob['state']): ActiveJob => ({
    id: 1 as ActiveJob['id'],
    runId: 1 as ActiveJob['runId'],
    runName,
    kind: 'train',
    state,
    position: state === 'queued' ? 1 : null,
    pid: null,
    waiting: null,
    createdAt: '2026-12-01T00:00:00Z',
    startedAt: null,
  })

  it('lets the app quit at once when nothing trains, queued jobs included', () => {
    expect(quitQuestion([])).toBeNull()
    expect(quitQuestion([job('queued one', 'queued')])).toBeNull()
  })

  it('asks, naming the runs, and says they checkpoint', () => {
    expect(quitQuestion([job('tmu-mnist', 'running')])?.message).toBe(
      'tmu-mnist is training. Quit anyway?',
    )
    const two = quitQuestion([job('a', 'running'), job('b', 'running'), job('c', 'queued')])
    expect(two?.message).toBe('2 runs are training (a, b). Quit anyway?')
    expect(two?.detail).toMatch(/checkpoint/)
  })
})
