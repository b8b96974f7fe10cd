import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The built main side (`npm run build`, which `npm test` runs first): the desktop shell
 * (index.js) and the CLI with serve mode (cli.js) must never load TensorFlow.js, which
 * belongs to the trainer process (trainer.js) alone. This reads the bundle rather than the
 * sources, so an import that a bundler hoists or a chunk it shares is caught too.
 */
const OUT_MAIN = join(import.meta.dirname, '../../out/main')

/** `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`, `require('x')`. */
const SPECIFIER =
  /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*(?:\/\*[^*]*\*\/\s*)?|\brequire\s*\(\s*)(["'])([^"']+)\1/gm

/**
 * Every file of out/main that `entry` reaches by its imports, with the chain that reaches it
 * and the packages each file names: in an import, or anywhere in its text (a backend is
 * loaded by a package name held in a variable, as ml/backend/native.ts does).
 */
function reach(entry: string) {
  const chains = new Map<string, string[]>([[entry, [entry]]])
  const named: Array<{ chain: string[]; pkg: string }> = []
  const queue = [entry]
  for (let file = queue.shift(); file; file = queue.shift()) {
    const text = readFileSync(join(OUT_MAIN, file), 'utf8')
    const chain = chains.get(file)!
    for (const match of text.matchAll(SPECIFIER)) {
      const spec = match[2]!
      if (spec.startsWith('.')) {
        const next = resolve(OUT_MAIN, dirname(file), spec).slice(OUT_MAIN.length + 1)
        if (!chains.has(next)) {
          chains.set(next, [...chain, next])
          queue.push(next)
        }
      } else named.push({ chain, pkg: spec })
    }
    for (const match of text.matchAll(/@tensorflow\/[\w.-]+/g)) named.push({ chain, pkg: match[0] })
  }
  return { files: [...chains.keys()], named }
}

const tensorflow = (named: Array<{ chain: string[]; pkg: string }>) =>
  named
    .filter((n) => n.pkg.startsWith('@tensorflow/'))
    .map((n) => `${n.chain.join(' → ')} → ${n.pkg}`)

describe('the main-process bundle', () => {
  it('is built (npm run build)', () => {
    expect(existsSync(join(OUT_MAIN, 'trainer.js')), `${OUT_MAIN}: run npm run build`).toBe(true)
  })

  it.each(['index.js', 'cli.js'])('%s reaches no TensorFlow.js', (entry) => {
    const { files, named } = reach(entry)
    expect(files.length).toBeGreaterThan(1) // It reached its chunks, so the walk works.
    expect(tensorflow(named)).toEqual([])
  })

  it('trainer.js reaches TensorFlow.js, so the check above can fail', () => {
    const found = tensorflow(reach('trainer.js').named)
    expect(found).toContain('trainer.js → @tensorflow/tfjs')
  })
})
