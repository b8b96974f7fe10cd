#!/usr/bin/env node
// `npm start`: builds the app if needed and opens the desktop window. Where Electron cannot
// run (its binary is downloaded on first launch, which needs the network; or there is no
// display) it says so and points to the browser version instead of failing obscurely.
import { spawnSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const fallback =
  'Open the workbench in a browser instead:  npm run serve   (then open the URL it prints)'

function fail(reason) {
  process.stderr.write(`TMU Workbench cannot open its desktop window: ${reason}\n${fallback}\n`)
  process.exit(1)
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  fail('there is no display (DISPLAY and WAYLAND_DISPLAY are unset).')
}

/** The newest modification time of a file or of anything below a folder (0 if missing). */
function newestChange(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce(
    (newest, name) => Math.max(newest, newestChange(join(path, name))),
    stat.mtimeMs,
  )
}

// A build older than any source would open yesterday's app after an edit: rebuild first.
const builtEntry = join(root, 'out', 'main', 'index.js')
const sources = ['src-main', 'src-renderer', 'resources', 'electron.vite.config.ts', 'package.json']
const builtAt = existsSync(builtEntry) ? statSync(builtEntry).mtimeMs : 0
if (sources.some((source) => newestChange(join(root, source)) > builtAt)) {
  const build = spawnSync('npx', ['electron-vite', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}

// Resolving the electron package downloads its binary on first use; a failure here is the
// offline case.
let binary
try {
  const packageDir = dirname(require.resolve('electron/package.json'))
  if (!existsSync(join(packageDir, 'path.txt'))) {
    process.stdout.write('Fetching the Electron binary (first launch)…\n')
  }
  binary = require('electron')
} catch (error) {
  fail(`the Electron binary could not be obtained (${String(error.message).split('\n')[0]}).`)
}

const child = spawn(binary, [root], { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 0))
child.on('error', (error) => fail(`Electron did not start (${error.message}).`))
