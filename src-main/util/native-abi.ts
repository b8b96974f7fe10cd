import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'

/**
 * Which Node it takes to load a compiled addon (`.node` file): one built against Node-API
 * loads in any Node and in Electron; one built against V8 directly loads only where the
 * process's module ABI (NODE_MODULE_VERSION) is the one it was compiled for. Node 20 is ABI
 * 115, Electron 45 is ABI 150: a better-sqlite3 that `npm ci` built for Node makes the
 * desktop app fail at its first query. The launcher, `tmu doctor` and a test ask this module.
 */
export type AddonAbi = { kind: 'node-api' } | { kind: 'node'; abi: number } | { kind: 'none' }

/**
 * Reads the ABI from the registration symbol an addon exports (`napi_register_module_v1`,
 * or `node_register_module_v<ABI>`). The name sits as plain text in the dynamic symbol
 * table of ELF, Mach-O and PE files alike, so a byte search serves all three. `none`: not a
 * Node addon (better-sqlite3 ships a SQLite extension as `.node` too) or one that registers
 * through a static constructor, whose ABI no symbol names.
 */
export function addonAbi(binary: Buffer): AddonAbi {
  const text = binary.toString('latin1')
  if (text.includes('napi_register_module_v1')) return { kind: 'node-api' }
  const match = /node_register_module_v(\d+)/.exec(text)
  return match ? { kind: 'node', abi: Number(match[1]) } : { kind: 'none' }
}

/**
 * Where the launcher keeps the Electron builds of ABI-specific addons, relative to the
 * project root: a package folder of its own (`<this>/node_modules/<module>`), so rebuilding
 * for Electron never touches the Node build the CLI, serve mode and tests load. Inside
 * node_modules so a fresh `npm ci` drops a build made for older sources.
 */
export const ELECTRON_BUILD_DIR = join('node_modules', '.cache', 'tmu-electron')

/** The folder of `module`'s Electron build under `root`. */
export function electronBuildOf(root: string, module: string): string {
  return join(root, ELECTRON_BUILD_DIR, 'node_modules', module)
}

export interface AddonCheck {
  module: string
  /** The binary the desktop app would load, relative to the project root. */
  file: string
  abi: AddonAbi
  /** Whether `file` is the Electron build (else the one npm built for Node). */
  electronBuild: boolean
  ok: boolean
}

export interface DesktopAddonReport {
  electron: ElectronTarget | null
  addons: AddonCheck[]
  /** One sentence per addon the desktop app cannot load, naming the fix. */
  problems: string[]
  /** The modules that need an Electron build (`npm run rebuild:electron` makes them). */
  needRebuild: string[]
}

/** The ABI Electron `version` loads addons of, from node-abi's table. */
export function electronAbi(version: string): number {
  const nodeAbi = createRequire(import.meta.url)('node-abi') as {
    getAbi(target: string, runtime: 'electron' | 'node'): string
  }
  try {
    return Number(nodeAbi.getAbi(version, 'electron'))
  } catch {
    throw new Error(
      `node-abi does not know Electron ${version}'s ABI: update the node-abi devDependency`,
    )
  }
}

export interface ElectronTarget {
  version: string
  abi: number
}

/**
 * The Electron the desktop app runs: this process's own when it is Electron (the packaged app
 * ships no electron package), else the electron package installed under `root`, else null.
 */
export function desktopElectron(root: string): ElectronTarget | null {
  if (process.versions.electron) {
    return { version: process.versions.electron, abi: Number(process.versions.modules) }
  }
  const file = join(root, 'node_modules', 'electron', 'package.json')
  if (!existsSync(file)) return null
  const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string }
  return { version, abi: electronAbi(version) }
}

/** The project folder this code runs from: the nearest one above with the workbench's package.json. */
export function projectRoot(from: string = import.meta.dirname): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json')
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tmu-workbench'
    ) {
      return dir
    }
    if (dirname(dir) === dir) return null
  }
}

/** Every `.node` file of a package folder, leaving out build intermediates and nested packages. */
function addonFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory() || (entry.isSymbolicLink() && statSync(path).isDirectory())) {
      return ['obj.target', 'node_modules', '.cache'].includes(entry.name) ? [] : addonFiles(path)
    }
    return entry.name.endsWith('.node') ? [path] : []
  })
}

/**
 * Checks the addons of the project's own dependencies (package.json's `dependencies` and
 * `optionalDependencies` that are installed) against `electron` (default: the one the
 * desktop app runs). An addon with an Electron build counts by that build,
 * because that is the one the desktop app selects at start.
 */
export function checkDesktopAddons(
  root: string,
  electron: ElectronTarget | null = desktopElectron(root),
): DesktopAddonReport {
  if (!electron) return { electron: null, addons: [], problems: [], needRebuild: [] }
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>
    optionalDependencies?: Record<string, string>
  }
  const modules = Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
  const addons: AddonCheck[] = []
  for (const module of modules.sort()) {
    const dir = join(root, 'node_modules', module)
    if (!existsSync(dir)) continue
    for (const nodeFile of addonFiles(dir)) {
      const electronFile = join(electronBuildOf(root, module), relative(dir, nodeFile))
      const electronBuild = existsSync(electronFile)
      const file = electronBuild ? electronFile : nodeFile
      const abi = addonAbi(readFileSync(file))
      if (abi.kind === 'none') continue
      const ok = abi.kind === 'node-api' || abi.abi === electron.abi
      addons.push({ module, file: relative(root, file), abi, electronBuild, ok })
    }
  }
  const broken = addons.filter((addon) => !addon.ok)
  return {
    electron,
    addons,
    problems: broken.map((addon) => mismatchSentence(addon, electron)),
    needRebuild: [...new Set(broken.map((addon) => addon.module))],
  }
}

function mismatchSentence(addon: AddonCheck, electron: ElectronTarget): string {
  const built = addon.abi.kind === 'node' ? addon.abi.abi : '?'
  return (
    `${addon.module} (${addon.file}) is compiled for module ABI ${built}, but the desktop ` +
    `app's Electron ${electron.version} loads ABI ${electron.abi}: run ` +
    `\`npm run rebuild:electron\` (it needs the network once, for Electron's headers), or use ` +
    `the browser version with \`npm run serve\`.`
  )
}
