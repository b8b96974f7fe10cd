import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { checkDesktopAddons, electronBuildOf } from '../util/native-abi'

/**
 * The better-sqlite3 addon the desktop app loads: the Electron build `npm start` made next to
 * the Node build (see native-abi.ts), when the app runs from the project. A packaged app has
 * none: electron-builder rebuilt its own better-sqlite3 for Electron, which loads as is.
 */
export function electronSqliteBinding(appRoot: string): string | undefined {
  const file = join(
    electronBuildOf(appRoot, 'better-sqlite3'),
    'build',
    'Release',
    'better_sqlite3.node',
  )
  return existsSync(file) ? file : undefined
}

/**
 * A start-up failure in the user's words: an addon of the wrong ABI throws Node's "compiled
 * against a different Node.js version" with a stack; say instead which module and the fix.
 */
export function explainStartupError(error: unknown, appRoot: string): string {
  const message = error instanceof Error ? error.message : String(error)
  if (!/NODE_MODULE_VERSION|different Node\.js version/.test(message)) return message
  const { problems } = checkDesktopAddons(appRoot)
  return problems.length > 0 ? problems.join('\n') : message
}
