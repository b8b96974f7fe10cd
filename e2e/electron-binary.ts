import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { checkDesktopAddons } from '../src-main/util/native-abi'

/**
 * Where the Electron binary is, or why there is none. Reads the electron package's own
 * record instead of requiring it, because requiring it would start a download.
 */
export function findElectronBinary(): { path: string } | { missing: string } {
  let packageDir: string
  try {
    packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return { missing: 'the electron package is not installed' }
  }
  const pathFile = join(packageDir, 'path.txt')
  if (!existsSync(pathFile)) {
    return {
      missing:
        'the Electron binary was never downloaded (it comes from the network on first launch, which this machine cannot reach)',
    }
  }
  const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim())
  if (!existsSync(binary)) return { missing: `${binary} does not exist` }
  // A binary without the Electron build of better-sqlite3 opens only the start-up error.
  const [problem] = checkDesktopAddons(join(import.meta.dirname, '..')).problems
  return problem ? { missing: problem } : { path: binary }
}

export function hasDisplay(): boolean {
  return process.platform !== 'linux' || Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}
