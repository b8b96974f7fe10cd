import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  BUILD_FAILURE_LOG,
  describeOneDnnLoadError,
  findBuildFailureLog,
  firstBuildError,
} from './onednn-addon'

/**
 * The addon's build (native/onednn): its sources compile against oneDNN 2.x, which Debian 12
 * ships, and 3.x, which removed 2.x's operation descriptors (src/dnnl_compat.h); and a failed
 * build at install leaves a log that the load error quotes.
 */

const run = promisify(execFile)
const ADDON = join(import.meta.dirname, '..', '..', '..', 'native', 'onednn')
const SOURCES = readdirSync(join(ADDON, 'src')).filter((f) => f.endsWith('.cc'))
/** oneDNN 3.x's headers, e.g. Debian 13's libdnnl-dev unpacked (.ci/run fetches them). */
const DNNL3 = process.env.TMU_DNNL3_INCLUDE ?? null

/** Every source through the compiler's front end against `include` (the system's when null). */
async function compileErrors(include: string | null): Promise<string[]> {
  const errors: string[] = []
  for (const source of SOURCES) {
    const args = ['-std=c++20', '-fopenmp', '-fsyntax-only', '-Wall', '-Wextra', '-Werror']
    if (include) args.push('-I', include)
    args.push('-I', '/usr/include/node', join(ADDON, 'src', source))
    try {
      await run('g++', args)
    } catch (error) {
      errors.push(`${source}: ${firstBuildError(String((error as { stderr?: string }).stderr))}`)
    }
  }
  return errors
}

describe('the onednn addon build', () => {
  it("compiles against this machine's oneDNN without a warning", async () => {
    expect(await compileErrors(null)).toEqual([])
  })

  it.skipIf(DNNL3 === null)(
    `compiles against oneDNN 3.x without a warning${DNNL3 ? '' : ' (skipped: TMU_DNNL3_INCLUDE names no oneDNN 3.x headers)'}`,
    async () => {
      expect(await compileErrors(DNNL3)).toEqual([])
    },
  )

  it('keeps the failed build’s log at install, and the load error quotes its first error', async () => {
    // A copy of the package installed into a project of its own, with a dnnl.hpp that stops
    // the compiler, as a missing or unsupported oneDNN does.
    const root = mkdtempSync(join(tmpdir(), 'tmu-onednn-build-'))
    try {
      const project = join(root, 'project')
      cpSync(ADDON, join(project, 'onednn'), {
        recursive: true,
        filter: (path) => !path.includes(`${join('onednn', 'build')}`),
      })
      writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'p', private: true }))
      const include = join(root, 'include')
      mkdirSync(include)
      writeFileSync(join(include, 'dnnl.hpp'), '#error "this oneDNN is not one the addon knows"\n')
      const install = run('npm', ['install', '--no-save', '--offline', '--no-audit', './onednn'], {
        cwd: project,
        env: { ...process.env, CPATH: include },
      })
      await expect(install).rejects.toThrow()

      const log = findBuildFailureLog(join(project, 'src'))
      expect(log).toBe(join(project, BUILD_FAILURE_LOG))
      const notFound = Object.assign(new Error("Cannot find module '@tmu/onednn'"), {
        code: 'MODULE_NOT_FOUND',
      })
      expect(describeOneDnnLoadError(notFound, log)).toMatch(
        /^@tmu\/onednn failed to build at install: .*dnnl\.hpp:1:2: error: #error "this oneDNN is not one the addon knows" \(the whole log: .*build-failure\.log\); it needs oneDNN 2\.x or 3\.x/,
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
