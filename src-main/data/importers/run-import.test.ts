import { utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { listDir, makeTempDir } from '../../testing/data-fixtures'
import { resolveImportOptions, runImport } from './run-import'

describe('runImport', () => {
  it('refuses a source that changed during the import and removes what it wrote', async () => {
    const parent = makeTempDir()
    const source = join(parent, 'source.bin')
    writeFileSync(source, 'frames')
    const run = runImport({
      importer: { name: 'test', version: '1' },
      source,
      dir: join(parent, 'set'),
      options: resolveImportOptions({ clipLength: 1 }),
      sequenceCount: 1,
      async feed(cutter, guard) {
        await guard.track(source)
        cutter.beginSequence(0, 'only', source)
        cutter.pushFrame({
          data: new Uint8Array(4),
          height: 2,
          width: 2,
          channels: 1,
          file: source,
        })
        // Another program rewrites the file while the import runs.
        writeFileSync(source, 'other frames')
        utimesSync(source, new Date(), new Date(Date.now() + 5000))
      },
    })
    await expect(run).rejects.toThrow('source.bin: changed during import')
    expect(listDir(parent)).toEqual(['source.bin'])
  })
})
