import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Where the built renderer is: next to the bundled CLI (`out/main/cli.js` → `out/renderer`)
 * or, when the CLI runs from source, in the project's `out/renderer`.
 */
export function findRendererDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '..', 'renderer'), join(here, '..', '..', 'out', 'renderer')]
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null
}
