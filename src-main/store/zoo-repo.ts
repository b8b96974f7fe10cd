import type { Db } from './database'
import { nowIso } from './time'

export interface ZooMemberRow {
  runId: number
  name: string
  addedAt: string
}

interface RawRow {
  run_id: number
  name: string
  added_at: string
}

export function createZooRepo(db: Db) {
  const toMember = (r: RawRow): ZooMemberRow => ({
    runId: r.run_id,
    name: r.name,
    addedAt: r.added_at,
  })
  const all = db.prepare<[], RawRow>('SELECT * FROM zoo_members ORDER BY name')
  const byRun = db.prepare<[number], RawRow>('SELECT * FROM zoo_members WHERE run_id = ?')
  const byName = db.prepare<[string], RawRow>('SELECT * FROM zoo_members WHERE name = ?')
  const insert = db.prepare('INSERT INTO zoo_members (run_id, name, added_at) VALUES (?, ?, ?)')
  const remove = db.prepare('DELETE FROM zoo_members WHERE run_id = ?')
  return {
    list: () => all.all().map(toMember),
    ofRun(runId: number) {
      const row = byRun.get(runId)
      return row && toMember(row)
    },
    named(name: string) {
      const row = byName.get(name)
      return row && toMember(row)
    },
    add(runId: number, name: string) {
      insert.run(runId, name, nowIso())
    },
    remove: (runId: number) => remove.run(runId).changes > 0,
  }
}

export type ZooRepo = ReturnType<typeof createZooRepo>
