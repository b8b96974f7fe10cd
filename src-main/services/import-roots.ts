import { realpathSync, statSync } from 'node:fs'
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
    let realRoot: string
    try {
      realRoot = realpathSync(root)
    } catch {
      return false // an allowed folder removed since: it allows nothing
    }
    const rel = relative(realRoot, real)
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))
  })
  if (!inside) {
    throw new WorkbenchError(
      'invalid_input',
      `${path}: outside the folders imports may read (${roots.join(', ')}). ` +
        'Allow its folder under Settings → Import folders, or start tmu serve with --import-root <folder>.',
    )
  }
  return real
}

/**
 * An import folder as the settings keep it: absolute, existing, a folder, links resolved (so
 * the list shows what is really allowed). Refusals name the folder and what is wrong with it.
 */
export function checkImportRoot(dir: string): string {
  if (!isAbsolute(dir)) {
    throw new WorkbenchError('invalid_input', `import folder ${dir}: give an absolute path`)
  }
  let real: string
  try {
    real = realpathSync(dir)
  } catch {
    throw new WorkbenchError('invalid_input', `import folder ${dir}: no such folder`)
  }
  if (!statSync(real).isDirectory()) {
    throw new WorkbenchError('invalid_input', `import folder ${dir}: a file, not a folder`)
  }
  return real
}
