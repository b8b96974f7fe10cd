import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { acquireJobRunnerLock, WorkspaceBusyError } from './workspace-lock'

describe('the job-runner lock', () => {
  it('admits one holder per workspace and frees on release', () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-lock-'))
    const first = acquireJobRunnerLock(root, 'tmu serve')
    // The same process asking again stands for a second workbench: refused, named.
    expect(() => acquireJobRunnerLock(root, 'tmu train')).toThrow(WorkspaceBusyError)
    expect(() => acquireJobRunnerLock(root, 'tmu train')).toThrow(/tmu serve, pid \d+/)
    first.release()
    acquireJobRunnerLock(root, 'tmu train').release()
  })

  it('takes over a lock whose process is gone', () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-lock-'))
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    writeFileSync(
      join(root, 'job-runner.lock'),
      JSON.stringify({ pid: Number(dead.stdout), owner: 'crashed' }),
    )
    acquireJobRunnerLock(root, 'tmu serve').release()
  })
})
