import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

/** scripts/patch-tfjs-wasm.js, the postinstall step that gives the wasm backend its threads. */
const SCRIPT = new URL('../../../scripts/patch-tfjs-wasm.js', import.meta.url).pathname
const WASM_DIR = dirname(
  createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'),
)
const BUNDLE = 'dist/tf-backend-wasm.node.js'
const WORKER_SCRIPT = 'wasm-out/tfjs-backend-wasm-threaded-simd.js'

const run = (...args: string[]) => promisify(execFile)(process.execPath, [SCRIPT, ...args])

/** A stand-in package folder holding the given bundle text and the real worker script. */
function fakePackage(bundle: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-wasm-patch-'))
  mkdirSync(join(dir, 'dist'))
  mkdirSync(join(dir, 'wasm-out'))
  writeFileSync(join(dir, BUNDLE), bundle)
  cpSync(join(WASM_DIR, WORKER_SCRIPT), join(dir, WORKER_SCRIPT))
  return dir
}

const made: string[] = []
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

describe('patch-tfjs-wasm', () => {
  it('has patched the installed bundle', async () => {
    await expect(run('--check')).resolves.toMatchObject({
      stdout: expect.stringMatching(/present/),
    })
  })

  it('is idempotent', async () => {
    const dir = fakePackage(readFileSync(join(WASM_DIR, BUNDLE), 'utf8'))
    made.push(dir)
    const { stdout } = await run('--dir', dir)
    expect(stdout).toMatch(/already applied/)
  })

  it('leaves an unexpected version stock and says so', async () => {
    const dir = fakePackage('// some other tfjs-backend-wasm\n')
    made.push(dir)
    const { stderr } = await run('--dir', dir)
    expect(stderr).toMatch(/not the expected 4\.22\.0 file; left stock/)
    expect(readFileSync(join(dir, BUNDLE), 'utf8')).toBe('// some other tfjs-backend-wasm\n')
    await expect(run('--check', '--dir', dir)).rejects.toMatchObject({ code: 1 })
  })
})
