import { lstatSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Bytes of the files under `dir` (0 when it does not exist); links are not followed. */
export function folderBytes(dir: string): number {
  let entries
  try {
    entries = readdirSync(dir, { withFileTypes: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
  let bytes = 0
  for (const entry of entries) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) bytes += folderBytes(path)
    else if (entry.isFile()) bytes += lstatSync(path).size
  }
  return bytes
}
