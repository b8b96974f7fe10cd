import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeFileAtomic } from './atomic-write'

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temporary behind', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'))
    const path = join(dir, 'config.json')
    writeFileSync(path, 'old')
    writeFileAtomic(path, ['{"a":', new Uint8Array([0x31]), '}'])
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}')
    expect(readdirSync(dir)).toEqual(['config.json'])
  })

  it('keeps the old file when the target folder is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'atomic-'))
    expect(() => writeFileAtomic(join(dir, 'missing', 'x.bin'), 'data')).toThrow(/ENOENT/)
    expect(readdirSync(dir)).toEqual([])
  })
})
