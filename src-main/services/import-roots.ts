import { realpathSync } from 'node:fs'
import { isAbsolute, relative } from 'node:path'
import { WorkbenchError } from '../api/contract'

/**
 * The real path of a file or folder a caller wants the workbench to read, if it lies inside
 * one of `roots`. Links are resolved first, so a symlink inside a root cannot lead out; the
 * API is reachable from a browser in serve mode, so nothing outside the roots is read.
 */
export function resolveImportPath(path: string, roots: readonly string[]): string {
  if (!isAbsolute(path)) throw new WorkbenchError('invalid_input', `${path}: give an absolute path`)
  let real: string
  try {
    real = realpathSync(path)
  } catch {
    throw new WorkbenchError('invalid_input', `${path}: no such file or folder`)
  }
  const inside = roots.some((root) => {
    const rel = relative(realpathSync(root), real)
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
  })
  if (!inside) {
    throw new WorkbenchError(
      'invalid_input',
      `${path}: outside the folders imports may read (${roots.join(', ')})`,
    )
  }
  return real
}
