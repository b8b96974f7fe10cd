import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { makeTempDir } from '../testing/data-fixtures'
import { electronSqliteBinding } from '../electron/sqlite-binding'
import {
  addonAbi,
  checkDesktopAddons,
  desktopElectron,
  electronAbi,
  electronBuildOf,
  projectRoot,
} from './native-abi'

const root = projectRoot()!
const sqliteAddon = join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')
const onednnAddon = join(root, 'native/onednn/build/Release/tmu_onednn.node')
const installedElectron = desktopElectron(root)!

/** A project folder holding better-sqlite3's real Node build and an electron package record. */
function projectWithSqlite(electronVersion: string): string {
  const dir = makeTempDir('tmu-abi-')
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'tmu-workbench', dependencies: { 'better-sqlite3': '12' } }),
  )
  const release = join(dir, 'node_modules/better-sqlite3/build/Release')
  mkdirSync(release, { recursive: true })
  copyFileSync(sqliteAddon, join(release, 'better_sqlite3.node'))
  mkdirSync(join(dir, 'node_modules/electron'))
  writeFileSync(
    join(dir, 'node_modules/electron/package.json'),
    JSON.stringify({ version: electronVersion }),
  )
  return dir
}

/** Stands in for a binary @electron/rebuild made: the ABI lives in its exported symbol name. */
function placeElectronBuild(dir: string, abi: number): string {
  const file = join(electronBuildOf(dir, 'better-sqlite3'), 'build/Release/better_sqlite3.node')
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, Buffer.from(`\x7fELF\0\0node_register_module_v${abi}\0napi_module\0`))
  return file
}

describe('addonAbi', () => {
  it("reads the ABI better-sqlite3's Node build was compiled for", () => {
    expect(addonAbi(readFileSync(sqliteAddon))).toEqual({
      kind: 'node',
      abi: Number(process.versions.modules),
    })
  })

  it.skipIf(!existsSync(onednnAddon))(
    existsSync(onednnAddon)
      ? 'reads the onednn addon as Node-API'
      : 'reads the onednn addon as Node-API (skipped: not built; install libdnnl-dev and g++, then npm ci)',
    () => {
      expect(addonAbi(readFileSync(onednnAddon))).toEqual({ kind: 'node-api' })
    },
  )

  it('finds no addon in a file without a registration symbol', () => {
    const extension = join(root, 'node_modules/better-sqlite3/build/Release/test_extension.node')
    expect(addonAbi(readFileSync(extension))).toEqual({ kind: 'none' })
  })
})

describe('checkDesktopAddons', () => {
  it('reports a Node build of better-sqlite3 as not loading in Electron, naming the fix', () => {
    const dir = projectWithSqlite('45.5.0')
    const report = checkDesktopAddons(dir)
    expect(report.electron).toEqual({ version: '45.5.0', abi: 150 })
    expect(report.needRebuild).toEqual(['better-sqlite3'])
    expect(report.problems).toEqual([
      `better-sqlite3 (node_modules/better-sqlite3/build/Release/better_sqlite3.node) is compiled for module ABI ${process.versions.modules}, but the desktop app's Electron 45.5.0 loads ABI 150: run \`npm run rebuild:electron\` (it needs the network once, for Electron's headers), or use the browser version with \`npm run serve\`.`,
    ])
  })

  it('counts the Electron build, which the desktop app selects, once one exists', () => {
    const dir = projectWithSqlite('45.5.0')
    expect(electronSqliteBinding(dir)).toBeUndefined()
    const built = placeElectronBuild(dir, 150)
    const report = checkDesktopAddons(dir)
    expect(report.problems).toEqual([])
    expect(report.addons).toEqual([
      {
        module: 'better-sqlite3',
        file: 'node_modules/.cache/tmu-electron/node_modules/better-sqlite3/build/Release/better_sqlite3.node',
        abi: { kind: 'node', abi: 150 },
        electronBuild: true,
        ok: true,
      },
    ])
    expect(electronSqliteBinding(dir)).toBe(built)
  })

  it('reports an Electron build made for another Electron as stale', () => {
    const dir = projectWithSqlite('45.5.0')
    placeElectronBuild(dir, electronAbi('39.0.0'))
    expect(checkDesktopAddons(dir).needRebuild).toEqual(['better-sqlite3'])
  })

  it('has nothing to say where Electron is not installed', () => {
    const dir = projectWithSqlite('45.5.0')
    expect(checkDesktopAddons(dir, null)).toEqual({
      electron: null,
      addons: [],
      problems: [],
      needRebuild: [],
    })
  })
})

describe("this tree's desktop app", () => {
  // On a fresh clone better-sqlite3 is built for Node only; `npm start` makes the Electron
  // build where Electron's headers can be fetched. Either the desktop app has one, or the
  // launcher stops before Electron and says which module and what to run.
  it('loads its addons in the installed Electron, or the launcher names the fix', async () => {
    const report = checkDesktopAddons(root, installedElectron)
    if (report.problems.length === 0) {
      expect(report.addons.find((a) => a.module === 'better-sqlite3')?.electronBuild).toBe(true)
      return
    }
    const launcher = promisify(execFile)(
      process.execPath,
      [join(root, 'scripts/start-desktop.js'), '--check'],
      { cwd: root },
    )
    const failure = await launcher.then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    )
    expect(failure?.code).toBe(1)
    expect(failure?.stderr).toContain(
      `better-sqlite3 (node_modules/better-sqlite3/build/Release/better_sqlite3.node) is compiled for module ABI ${process.versions.modules}, but the desktop app's Electron ${installedElectron.version} loads ABI ${installedElectron.abi}: run \`npm run rebuild:electron\``,
    )
    expect(failure?.stderr).toContain('npm run serve')
  })
})
