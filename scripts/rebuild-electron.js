#!/usr/bin/env node
// `npm run rebuild:electron` (and `npm start`, when one is missing): builds the ABI-specific
// addons (better-sqlite3) for the installed Electron into a folder of their own, so the Node
// build that `npm ci` made keeps serving the CLI, serve mode and the tests. The Electron main
// process selects these builds at start (src-main/electron/sqlite-binding.ts).
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { tsImport } from 'tsx/esm/api'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The ABI check, shared with `tmu doctor` (TypeScript, loaded through tsx). */
export const loadAbiCheck = () => tsImport('../src-main/util/native-abi.ts', import.meta.url)

/**
 * Copies each module (without its Node build) into the Electron build folder and has
 * @electron/rebuild build it there: a prebuilt binary where prebuild-install can fetch one,
 * else a compile against Electron's headers. Both need the network the first time.
 */
export async function rebuildForElectron(modules, electronVersion) {
  const { ELECTRON_BUILD_DIR, electronBuildOf } = await loadAbiCheck()
  const stage = join(root, ELECTRON_BUILD_DIR)
  const dependencies = {}
  for (const module of modules) {
    const source = join(root, 'node_modules', module)
    const target = electronBuildOf(root, module)
    rmSync(target, { recursive: true, force: true })
    mkdirSync(target, { recursive: true })
    cpSync(source, target, {
      recursive: true,
      dereference: true,
      filter: (path) => relative(source, path).split(sep)[0] !== 'build',
    })
    dependencies[module] = require(join(source, 'package.json')).version
  }
  // @electron/rebuild walks the dependencies of the package at buildPath.
  writeFileSync(
    join(stage, 'package.json'),
    JSON.stringify({ name: 'tmu-electron-addons', private: true, dependencies }, null, 2),
  )
  const { rebuild } = require('@electron/rebuild')
  await rebuild({ buildPath: stage, electronVersion, onlyModules: modules, force: true })
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { checkDesktopAddons } = await loadAbiCheck()
  const report = checkDesktopAddons(root)
  if (!report.electron) {
    process.stderr.write('The electron package is not installed: run npm ci first.\n')
    process.exit(1)
  }
  const modules = report.addons.filter((a) => a.abi.kind === 'node').map((a) => a.module)
  const unique = [...new Set(modules)]
  process.stdout.write(`Building ${unique.join(', ')} for Electron ${report.electron.version}…\n`)
  try {
    await rebuildForElectron(unique, report.electron.version)
  } catch (error) {
    // Leave no half-made build behind: the app would fall back to the Node build anyway.
    const { electronBuildOf } = await loadAbiCheck()
    for (const module of unique)
      rmSync(electronBuildOf(root, module), { recursive: true, force: true })
    process.stderr.write(`${unique.join(', ')}: the Electron build failed (${error.message}).\n`)
    process.exit(1)
  }
  const after = checkDesktopAddons(root)
  for (const problem of after.problems) process.stderr.write(`${problem}\n`)
  process.exit(after.problems.length === 0 ? 0 : 1)
}
