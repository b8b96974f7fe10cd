import Database from 'better-sqlite3'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase, schemaVersion } from './database'
import { createExperimentsRepo } from './experiments-repo'
import { SCHEMA_VERSION } from './migrations'

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'tmu-db-')), 'workbench.sqlite')

describe('openDatabase', () => {
  it('creates the schema with WAL and foreign keys on', () => {
    const db = openDatabase(tempFile())
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION)
    db.close()
  })

  it('reopens an existing workspace without re-running migrations', () => {
    const file = tempFile()
    const first = openDatabase(file)
    createExperimentsRepo(first).create({ name: 'kept', description: '', tags: [] })
    first.close()
    const second = openDatabase(file)
    expect(
      createExperimentsRepo(second)
        .list(false)
        .map((e) => e.name),
    ).toEqual(['kept'])
    second.close()
  })

  it('refuses a database written by a newer workbench and leaves it untouched', () => {
    const file = tempFile()
    const raw = new Database(file)
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`)
    raw.close()
    expect(() => openDatabase(file)).toThrow(
      /workbench\.sqlite: schema version \d+ was written by a newer/,
    )
    const check = new Database(file)
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5)
    check.close()
  })

  it('cascades run deletion when an experiment is purged', () => {
    const db = openDatabase(tempFile())
    const repo = createExperimentsRepo(db)
    const e = repo.create({ name: 'study', description: '', tags: [] })
    db.prepare(
      `INSERT INTO runs (experiment_id, name, kind, config_json, status, created_at)
       VALUES (?, 'r', 'scratch', '{}', 'queued', 'now')`,
    ).run(e.id)
    repo.delete(e.id)
    expect(repo.get(e.id)).toBeUndefined()
    expect(repo.restore(e.id)?.runCount).toBe(1)
    repo.delete(e.id)
    expect(repo.purgeDeleted('9999-01-01T00:00:00.000Z')).toBe(1)
    expect(db.prepare('SELECT COUNT(*) AS n FROM runs').get()).toEqual({ n: 0 })
    db.close()
  })
})
