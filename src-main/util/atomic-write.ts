import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { randomBytes } from 'node:crypto'

/**
 * Writes `parts` to `path` so that a crash leaves either the old file or the new one, never a
 * torn mix: write a temporary sibling, fsync it, rename over the target, fsync the folder.
 * A failed write (ENOSPC, EIO) removes the temporary file and leaves the target untouched.
 */
export function writeFileAtomic(
  path: string,
  parts: Uint8Array | string | Array<Uint8Array | string>,
) {
  const chunks = Array.isArray(parts) ? parts : [parts]
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
  const fd = openSync(tmp, 'w')
  try {
    for (const chunk of chunks) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
      let offset = 0
      while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset)
    }
    fsyncSync(fd)
  } catch (error) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw error
  }
  closeSync(fd)
  try {
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw error
  }
  syncDirectory(dirname(path))
}

/** Makes a rename durable: on POSIX the directory entry lives in the folder's own inode. */
export function syncDirectory(dir: string) {
  if (process.platform === 'win32') return // Windows cannot open a folder for fsync.
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
