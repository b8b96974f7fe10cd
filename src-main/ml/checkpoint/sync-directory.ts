import { closeSync, fsyncSync, openSync } from 'node:fs'

/**
 * Makes renames inside `dir` durable: on POSIX a directory entry lives in the folder's own
 * inode. (util/atomic-write.ts does the same for files but does not export it.)
 */
export function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return // Windows cannot open a folder for fsync.
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
