import { readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { DataError } from '../errors'

export interface SequenceFiles {
  /** Path relative to the root, with `/` separators: what split patterns match. */
  name: string
  files: string[]
}

/** Orders `frame2` before `frame10`, as a person numbering files expects. */
export const naturalOrder = (a: string, b: string) =>
  a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })

/**
 * Every folder under `root` (itself included) that holds files with one of `extensions`, as a
 * sequence of its files in natural order; folders sorted by name so imports are reproducible.
 */
export async function findSequenceFolders(
  root: string,
  extensions: readonly string[],
): Promise<SequenceFiles[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
    (error: Error) => {
      throw new DataError(root, `cannot list folder (${error.message})`)
    },
  )
  const byFolder = new Map<string, string[]>()
  for (const entry of entries) {
    if (!entry.isFile() || !hasExtension(entry.name, extensions)) continue
    const folder = entry.parentPath
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), join(folder, entry.name)])
  }
  return [...byFolder.entries()]
    .map(([folder, files]) => ({
      name: relative(root, folder).split(sep).join('/') || '.',
      files: files.sort(naturalOrder),
    }))
    .sort((a, b) => naturalOrder(a.name, b.name))
}

/** Files under `root` (or `root` itself when it is a file) with one of `extensions`, sorted. */
export async function findFiles(root: string, extensions: readonly string[]): Promise<string[]> {
  const folders = await findSequenceFolders(root, extensions)
  return folders.flatMap((f) => f.files).sort(naturalOrder)
}

export function hasExtension(name: string, extensions: readonly string[]): boolean {
  const lower = name.toLowerCase()
  return extensions.some((ext) => lower.endsWith(ext))
}
