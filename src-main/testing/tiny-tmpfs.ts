import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeBytes } from '../jobs/disk-space'

export interface TinyFileSystem {
  dir: string
  /** Fills the file system until about `leaveBytes` are free (tmpfs counts whole pages). */
  fillLeaving(leaveBytes: number): void
  unmount(): void
}

/**
 * Mounts a small tmpfs for disk-full tests, or returns the reason it cannot (not root, no
 * mount permission in a container): tests then skip, saying why. `inodes` caps the files
 * it holds, so it can run out of room for files while bytes remain.
 */
export function mountTinyTmpfs(bytes: number, inodes?: number): TinyFileSystem | string {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-tmpfs-'))
  const options = inodes === undefined ? `size=${bytes}` : `size=${bytes},nr_inodes=${inodes}`
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    rmdirSync(dir)
    return `cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}`
  }
  let fillers = 0
  return {
    dir,
    fillLeaving(leaveBytes) {
      const excess = freeBytes(dir) - leaveBytes
      if (excess > 0) writeFileSync(join(dir, `filler-${fillers++}`), Buffer.alloc(excess))
    },
    unmount() {
      execFileSync('umount', [dir])
      rmdirSync(dir)
    },
  }
}
