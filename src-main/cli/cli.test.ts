import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { loadOneDnnAddon } from '../ml/backend/onednn-addon'

/** The `tmu` command as a user runs it (bin/tmu.js: the built CLI, or the sources via tsx). */
const TMU = join(import.meta.dirname, '../../bin/tmu.js')
const oneDnnBuilt = !('error' in loadOneDnnAddon())

async function tmu(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TMU, ...args], {
      timeout: 240_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

const workspace = () => mkdtempSync(join(tmpdir(), 'tmu-cli-'))

describe('tmu', () => {
  it('doctor lists every backend, onednn among them, with why one does not load', async () => {
    const { code, stdout } = await tmu('doctor', '--workspace', workspace())
    expect(code).toBe(0)
    for (const name of ['tensorflow-gpu', 'tensorflow', 'onednn', 'wasm', 'cpu']) {
      expect(stdout).toMatch(new RegExp(`^\\s+(ok|no)\\s+${name}\\s`, 'm'))
    }
    const onednnLine = oneDnnBuilt
      ? /^\s+ok\s+onednn\s+oneDNN \d+\.\d+\.\d+, other kernels wasm with \d+ threads?$/m
      : /^\s+no\s+onednn\s+.*apt-get install libdnnl-dev/m
    expect(stdout).toMatch(onednnLine)
  })

  it('train refuses an unknown backend, listing the ones there are', async () => {
    const { code, stderr } = await tmu('train', '--backend', 'gpu')
    expect(code).not.toBe(0)
    expect(stderr).toMatch(
      /Allowed choices are auto, tensorflow-gpu, tensorflow, onednn, wasm, cpu/,
    )
  })

  it('train runs on the fastest CPU backend and reports it', async () => {
    const backend = oneDnnBuilt ? 'onednn' : 'wasm'
    const { code, stdout, stderr } = await tmu(
      'train',
      '--workspace',
      workspace(),
      '--iterations',
      '2',
      '--batch',
      '2',
      '--eval-every',
      '2',
      '--checkpoint-every',
      '2',
      '--test-clips',
      '2',
    )
    expect(stderr).not.toMatch(/error/i)
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`completed on ${backend}`))
  }, 240_000)
})
