import type { MenuItemConstructorOptions } from 'electron'

/** What the menus do; main.ts binds them to the window and the workbench. */
export interface MenuActions {
  openWorkspace(): void
  newRun(): void
  openSettings(): void
  openInBrowser(): void
  about(): void
}

export interface MenuOptions {
  platform: NodeJS.Platform
  /** Unpackaged (npm start, npm run dev): the developer tools are on offer. */
  development: boolean
}

/** Ids of the items tests and the app reach for. */
export const MENU_IDS = {
  openWorkspace: 'open-workspace',
  newRun: 'new-run',
  settings: 'settings',
  openInBrowser: 'open-in-browser',
  about: 'about',
  toggleDevTools: 'toggle-dev-tools',
} as const

/**
 * The application menu: File, Edit, View, Window, Help, with the platform's usual
 * shortcuts (Electron's roles bring their own); on macOS About, Settings and Quit sit in
 * the app menu, as they do in every Mac app.
 */
export function appMenuTemplate(
  actions: MenuActions,
  options: MenuOptions,
): MenuItemConstructorOptions[] {
  const mac = options.platform === 'darwin'
  const separator: MenuItemConstructorOptions = { type: 'separator' }
  const about: MenuItemConstructorOptions = {
    id: MENU_IDS.about,
    label: 'About TMU Workbench',
    click: () => actions.about(),
  }
  const settings: MenuItemConstructorOptions = {
    id: MENU_IDS.settings,
    label: mac ? 'Settings…' : 'Settings',
    accelerator: 'CmdOrCtrl+,',
    click: () => actions.openSettings(),
  }
  const appMenu: MenuItemConstructorOptions[] = mac
    ? [
        {
          label: 'TMU Workbench',
          submenu: [
            about,
            separator,
            settings,
            separator,
            { role: 'services' },
            separator,
            { role: 'hide' },
            { role: 'hideOthers' },
            { role: 'unhide' },
            separator,
            { role: 'quit' },
          ],
        },
      ]
    : []
  return [
    ...appMenu,
    {
      label: 'File',
      submenu: [
        {
          id: MENU_IDS.newRun,
          label: 'New Run',
          accelerator: 'CmdOrCtrl+N',
          click: () => actions.newRun(),
        },
        {
          id: MENU_IDS.openWorkspace,
          label: 'Open Workspace…',
          accelerator: 'CmdOrCtrl+O',
          click: () => actions.openWorkspace(),
        },
        separator,
        {
          id: MENU_IDS.openInBrowser,
          label: 'Open in Browser',
          accelerator: 'CmdOrCtrl+Shift+B',
          click: () => actions.openInBrowser(),
        },
        ...(mac
          ? [separator, { role: 'close' } as const]
          : [separator, settings, separator, { role: 'quit' } as const]),
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        ...(options.development
          ? [{ id: MENU_IDS.toggleDevTools, role: 'toggleDevTools' } as const]
          : []),
        separator,
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        separator,
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: mac ? [] : [about] },
  ]
}

/** The About box's text: which workbench, and what it runs on, for a bug report. */
export function aboutDetail(versions: {
  workbench: string
  electron: string
  chrome: string
  node: string
  v8: string
  workspace: string
}): string {
  return [
    `Version ${versions.workbench}`,
    `Electron ${versions.electron}, Chromium ${versions.chrome}, Node ${versions.node}, V8 ${versions.v8}`,
    `Workspace ${versions.workspace}`,
  ].join('\n')
}
