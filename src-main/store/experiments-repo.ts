import type { Db } from './database'
import { nowIso } from './time'

export interface ExperimentRow {
  id: number
  name: string
  description: string
  tags: string[]
  archived: boolean
  createdAt: string
  updatedAt: string
  runCount: number
}

interface RawRow {
  id: number
  name: string
  description: string
  tags_json: string
  archived: number
  created_at: string
  updated_at: string
  run_count: number
}

const SELECT = `
  SELECT e.*, (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count
  FROM experiments e WHERE e.deleted_at IS NULL`

export function createExperimentsRepo(db: Db) {
  const byId = db.prepare<[number], RawRow>(`${SELECT} AND e.id = ?`)
  const all = db.prepare<[], RawRow>(`${SELECT} ORDER BY e.updated_at DESC, e.id DESC`)
  const active = db.prepare<[], RawRow>(
    `${SELECT} AND e.archived = 0 ORDER BY e.updated_at DESC, e.id DESC`,
  )
  const insert = db.prepare(
    `INSERT INTO experiments (name, description, tags_json, created_at, updated_at)
     VALUES (@name, @description, @tags, @now, @now)`,
  )
  const softDelete = db.prepare(
    'UPDATE experiments SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
  )
  const touch = db.prepare('UPDATE experiments SET updated_at = ? WHERE id = ?')
  const undelete = db.prepare('UPDATE experiments SET deleted_at = NULL WHERE id = ?')
  const purge = db.prepare(
    'DELETE FROM experiments WHERE deleted_at IS NOT NULL AND deleted_at < ?',
  )

  function get(id: number): ExperimentRow | undefined {
    const row = byId.get(id)
    return row && toExperiment(row)
  }

  return {
    get,
    list(includeArchived: boolean): ExperimentRow[] {
      return (includeArchived ? all : active).all().map(toExperiment)
    },
    create(input: { name: string; description: string; tags: string[] }): ExperimentRow {
      const info = insert.run({ ...input, tags: JSON.stringify(input.tags), now: nowIso() })
      return get(Number(info.lastInsertRowid))!
    },
    update(
      id: number,
      patch: { name?: string; description?: string; tags?: string[]; archived?: boolean },
    ): ExperimentRow | undefined {
      const columns: Record<string, unknown> = {}
      if (patch.name !== undefined) columns.name = patch.name
      if (patch.description !== undefined) columns.description = patch.description
      if (patch.tags !== undefined) columns.tags_json = JSON.stringify(patch.tags)
      if (patch.archived !== undefined) columns.archived = patch.archived ? 1 : 0
      columns.updated_at = nowIso()
      // Column names come from the fixed list above, never from the caller.
      const assignments = Object.keys(columns).map((column) => `${column} = @${column}`)
      db.prepare(`UPDATE experiments SET ${assignments.join(', ')} WHERE id = @id`).run({
        ...columns,
        id,
      })
      return get(id)
    },
    /** Marks it updated now: one of its runs was filed, started, ended or deleted. */
    touch(id: number) {
      touch.run(nowIso(), id)
    },
    /** Hides the experiment; `restore` brings it back until `purgeDeleted` runs. */
    delete(id: number): boolean {
      return softDelete.run(nowIso(), id).changes > 0
    },
    restore(id: number): ExperimentRow | undefined {
      undelete.run(id)
      return get(id)
    },
    /** Removes for good what was deleted before `cutoffIso`, runs included (cascade). */
    purgeDeleted(cutoffIso: string): number {
      return purge.run(cutoffIso).changes
    },
  }
}

export type ExperimentsRepo = ReturnType<typeof createExperimentsRepo>

function toExperiment(row: RawRow): ExperimentRow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    tags: JSON.parse(row.tags_json) as string[],
    archived: row.archived === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    runCount: row.run_count,
  }
}
