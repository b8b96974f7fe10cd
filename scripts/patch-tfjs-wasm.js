#!/usr/bin/env node
/**
 * Lets @tensorflow/tfjs-backend-wasm 4.22.0 run multithreaded under Node (postinstall).
 *
 * Stock, the backend's Node bundle runs one thread: its WASM_HAS_MULTITHREAD_SUPPORT flag
 * answers false under Node, and its pthread workers and their main script are handed over
 * as `blob:` URLs, which Node's Worker cannot load. This restores Emscripten's own Node
 * behaviour: the flag probes Node like a browser, the workers run the bundle's worker code
 * and load the `wasm-out` main script the bundle was built from, and the native thread cap
 * (half the logical cores) becomes the core count. The thread count itself is set at
 * runtime through the public `setThreadsCount` (src-main/ml/backend/wasm.ts).
 *
 * It edits private internals of one version, so it checks every file by hash first:
 * an unknown version is left stock with a warning (the backend then reports 1 thread,
 * and src-main/ml/backend/wasm-threads.test.ts fails). Running it twice is harmless.
 *
 * Usage: node scripts/patch-tfjs-wasm.js [--check] [--dir <package dir>]
 *   --check  exit 1 unless the installed bundle is patched
 *   --dir    the tfjs-backend-wasm folder (default: resolved from here; tests use a copy)
 */
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BUNDLE = 'dist/tf-backend-wasm.node.js'
const STOCK_SHA256 = '296e0807192bf27c560eab3fadca612655ef94e7af550f737b03ddb11af3c6ce'
const PATCHED_SHA256 = 'b97c4d64bf9464075f0d122a815f52ffc32aab0ec6d5f343e19d08fa969309d9'

/** The Emscripten main script the patched bundle hands to its workers: the one it was built from. */
const WORKER_MAIN_SCRIPT = 'wasm-out/tfjs-backend-wasm-threaded-simd.js'
const WORKER_MAIN_SCRIPT_SHA256 = 'd79fba6f8a1648e9e068c73930d4898d99fcc24ca3163a8679464c96a644949f'

/** JS expression, inside the bundle, for a file of the package's wasm-out folder. */
const wasmOutPath = (fileExpr) => `require('path').join(__dirname, '..', 'wasm-out', ${fileExpr})`

/** Each `from` must occur exactly once in the stock bundle. */
const EDITS = [
  {
    why: 'probe thread support under Node too (upstream issue tensorflow/tfjs#3830)',
    from: "        if (ENV.get('IS_NODE')) {\n            return [2 /*return*/, false];\n        }\n",
    to: '',
  },
  {
    // The bundle keeps the worker's code as a string (wasm-out/*.worker.js only exports it);
    // Node runs it with eval: true, with the same \n escaping as the bundle's Blob path. The
    // code is CommonJS: drop flags that would make Node evaluate it as an ES module.
    why: 'Node workers run the pthread worker code from its string, not a blob: URL',
    from: 'var pthreadMainJs = locateFile("tfjs-backend-wasm-threaded-simd.worker.js"); worker = new Worker(pthreadMainJs);',
    to:
      'if (ENVIRONMENT_IS_NODE) { worker = new Worker(wasmWorkerContents.replace(/\\n/g, "\\\\n"), { eval: true, ' +
      'execArgv: process.execArgv.filter(function (a) { return !/^--(input-type|experimental-default-type)/.test(a); }) }); } ' +
      'else { var pthreadMainJs = locateFile("tfjs-backend-wasm-threaded-simd.worker.js"); worker = new Worker(pthreadMainJs); }',
  },
  {
    // backend.cc caps setThreadsCount at half the logical cores (a guess at hyperthreading),
    // which leaves one thread on a 2-core machine. Reporting twice the cores lifts the cap to
    // the core count; the count actually used is still the one passed to setThreadsCount.
    why: 'let setThreadsCount use every core under Node',
    from: 'return require$$4.cpus().length;',
    to: 'return 2 * require$$4.cpus().length;',
  },
  {
    why: 'Node workers import the Emscripten main script from its file, not a Blob',
    from: '                                factoryConfig.mainScriptUrlOrBlob = new Blob([',
    to:
      "                                factoryConfig.mainScriptUrlOrBlob = tfjsCore.env().get('IS_NODE') ?\n" +
      `                                    ${wasmOutPath("'tfjs-backend-wasm-threaded-simd.js'")} :\n` +
      '                                    new Blob([',
  },
]

const sha256 = (text) => createHash('sha256').update(text).digest('hex')

function countOccurrences(text, part) {
  return text.split(part).length - 1
}

/** Applies EDITS to the stock text, refusing if any anchor is missing or ambiguous. */
export function patchText(stock) {
  let text = stock
  for (const edit of EDITS) {
    const n = countOccurrences(text, edit.from)
    if (n !== 1) throw new Error(`anchor for "${edit.why}" found ${n} times, expected 1`)
    text = text.replace(edit.from, () => edit.to)
  }
  return text
}

function packageDir() {
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
}

/** @returns {'patched' | 'already-patched' | 'unknown-version'} */
export function patchTfjsWasm(dir = packageDir()) {
  const bundlePath = join(dir, BUNDLE)
  const current = readFileSync(bundlePath, 'utf8')
  const hash = sha256(current)
  if (hash === PATCHED_SHA256) return 'already-patched'
  const workerScriptHash = sha256(readFileSync(join(dir, WORKER_MAIN_SCRIPT)))
  if (hash !== STOCK_SHA256 || workerScriptHash !== WORKER_MAIN_SCRIPT_SHA256) {
    return 'unknown-version'
  }
  const patched = patchText(current)
  if (sha256(patched) !== PATCHED_SHA256) {
    throw new Error(`patched ${BUNDLE} does not have the expected hash; nothing written`)
  }
  // Write beside and rename, so a crash never leaves a half-written bundle.
  const tmpPath = `${bundlePath}.tmu-patch.tmp`
  writeFileSync(tmpPath, patched)
  renameSync(tmpPath, bundlePath)
  return 'patched'
}

/** True when the installed bundle is the patched 4.22.0 one. */
export function isTfjsWasmPatched(dir = packageDir()) {
  return sha256(readFileSync(join(dir, BUNDLE), 'utf8')) === PATCHED_SHA256
}

function main() {
  const dirFlag = process.argv.indexOf('--dir')
  const dir = dirFlag > 0 ? process.argv[dirFlag + 1] : undefined
  if (process.argv.includes('--check')) {
    const ok = isTfjsWasmPatched(dir)
    console.log(ok ? 'tfjs-backend-wasm: threads patch present' : 'tfjs-backend-wasm: stock')
    process.exit(ok ? 0 : 1)
  }
  const outcome = patchTfjsWasm(dir)
  if (outcome === 'unknown-version') {
    console.warn(
      `\n*** tfjs-backend-wasm: ${BUNDLE} is not the expected 4.22.0 file; left stock.\n` +
        '*** The wasm backend will run ONE thread (about 2x slower convolutions).\n' +
        '*** Pin @tensorflow/tfjs-backend-wasm to 4.22.0 or update scripts/patch-tfjs-wasm.js.\n',
    )
    return
  }
  console.log(
    `tfjs-backend-wasm: threads patch ${outcome === 'patched' ? 'applied' : 'already applied'}`,
  )
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
