#!/usr/bin/env node
// `npm start`: builds the app if needed and opens the desktop window. Where Electron cannot
// run (its binary is downloaded on first launch, which needs the network; its build of
// better-sqlite3 needs Electron's headers, also from the network; or there is no display) it
// says what is missing and points to the browser version instead of failing obscurely.
// `npm start -- --check` reports the same without fetching or building anything.
import { spawnSync, spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadAbiCheck } from './rebuild-electron.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const checkOnly = process.argv.includes('--check')
const fallback =
  'Open the workbench in a browser instead:  npm run serve   (then open the URL it prints)'

/** Everything that keeps the window from opening, one sentence each. */
const problems = []

function fail() {
  const list = problems.map((problem) => `  - ${problem}`).join('\n')
  process.stderr.write(`TMU Workbench cannot open its desktop window:\n${list}\n${fallback}\n`)
  process.exit(1)
}

if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  problems.push('there is no display (DISPLAY and WAYLAND_DISPLAY are unset).')
}

// Resolving the electron package downloads its binary on first use; a failure here is the
// offline case. A check only looks for the record the download leaves.
let binary
let electronDir
try {
  electronDir = dirname(require.resolve('electron/package.json'))
} catch {
  problems.push('the electron package is not installed (run npm ci).')
  fail()
}
if (checkOnly || problems.length > 0) {
  if (!existsSync(join(electronDir, 'path.txt'))) {
    problems.push('the Electron binary has not been downloaded yet (npm start fetches it once).')
  }
} else {
  // The electron package's own download prints a stack trace offline: run it quietly and
  // say in one line why it failed.
  let download = null
  if (!existsSync(join(electronDir, 'path.txt'))) {
    process.stdout.write('Fetching the Electron binary (first launch)…\n')
    download = spawnSync(process.execPath, [join(electronDir, 'install.js')], { encoding: 'utf8' })
  }
  if (download && download.status !== 0) {
    const reason = `${download.stderr}`.match(/^\w*Error: .*$/m)?.[0] ?? 'see npx install-electron'
    problems.push(
      `the Electron binary could not be downloaded; the first launch needs the network (${reason}).`,
    )
  } else {
    binary = require('electron')
  }
}

// Addons built for Node's ABI (better-sqlite3) do not load in Electron: make the Electron
// build once, next to the Node build rather than over it.
const { checkDesktopAddons } = await loadAbiCheck()
let addons = checkDesktopAddons(root)
let rebuildProblem = null
if (addons.needRebuild.length > 0 && !checkOnly && problems.length === 0) {
  process.stdout.write(
    `Building ${addons.needRebuild.join(', ')} for Electron ${addons.electron.version} (first launch)…\n`,
  )
  const rebuild = spawnSync(process.execPath, [join(root, 'scripts', 'rebuild-electron.js')], {
    cwd: root,
    encoding: 'utf8',
  })
  addons = checkDesktopAddons(root)
  if (rebuild.status !== 0 && addons.needRebuild.length > 0) {
    const output = `${rebuild.stdout}\n${rebuild.stderr}`
    const offline = /network connectivity|ENOTFOUND|EAI_AGAIN|getaddrinfo|ECONNREFUSED/.test(output)
    rebuildProblem = offline
      ? `${addons.needRebuild.join(', ')} has no Electron build yet, and making one needs Electron's headers from the network, which this machine cannot reach: connect once and run \`npm start\` again (or \`npm run rebuild:electron\`).`
      : `building ${addons.needRebuild.join(', ')} for Electron failed; \`npm run rebuild:electron\` shows why (${output.trim().split('\n').at(-1)}).`
  }
}
problems.push(...(rebuildProblem ? [rebuildProblem] : addons.problems))

if (problems.length > 0) fail()
if (checkOnly) {
  process.stdout.write('The desktop app has what it needs: npm start opens it.\n')
  process.exit(0)
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

const child = spawn(binary, [root], { stdio: 'inherit' })
child.on('exit', (code) => process.exit(code ?? 0))
child.on('error', (error) => {
  problems.push(`Electron did not start (${error.message}).`)
  fail()
})
