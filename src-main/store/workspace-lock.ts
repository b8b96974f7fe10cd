import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

export interface JobRunnerLock {
  release(): void
}

export class WorkspaceBusyError extends Error {
  override readonly name = 'WorkspaceBusyError'
  constructor(
    readonly pid: number,
    readonly owner: string,
  ) {
    super(`this workspace's runs are handled by another workbench process (${owner}, pid ${pid})`)
  }
}

const LOCK_FILE = 'job-runner.lock'

/**
 * One process per workspace starts trainers and recovers interrupted jobs; others (a second
 * window, `tmu runs` beside `tmu serve`) read and write the database but leave jobs alone —
 * otherwise two queues would start the same job, or one would mark the other's running job
 * interrupted. The lock is a file naming its owner; a lock left by a dead process is taken over.
 */
export function acquireJobRunnerLock(root: string, owner: string): JobRunnerLock {
  const path = join(root, LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx')
      writeSync(fd, JSON.stringify({ pid: process.pid, owner }))
      closeSync(fd)
      return {
        release: () => {
          if (holder(path)?.pid === process.pid) rmSync(path, { force: true })
        },
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const current = holder(path)
      if (current && isAlive(current.pid)) throw new WorkspaceBusyError(current.pid, current.owner)
      rmSync(path, { force: true }) // stale: its process is gone
    }
  }
  throw new Error(`${path}: could not take the job-runner lock`)
}

function holder(path: string): { pid: number; owner: string } | null {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { pid?: unknown; owner?: unknown }
    return typeof parsed.pid === 'number'
      ? { pid: parsed.pid, owner: String(parsed.owner ?? 'unknown') }
      : null
  } catch {
    return null // unreadable or half-written: treated as stale
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
