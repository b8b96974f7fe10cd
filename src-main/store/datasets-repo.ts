import type { Db } from './database'
import { nowIso } from './time'

export interface DatasetRow {
  id: number
  name: string
  origin: string
  folder: string
  shape: { T: number; H: number; W: number; C: number }
  splits: { train: number; val: number; test: number }
  clipCount: number
  bytes: number
  contentSha256: string
  provenance: Record<string, unknown>
  createdAt: string
  runCount: number
}

interface RawRow {
  id: number
  name: string
  origin: string
  folder: string
  shape_json: string
  split_sizes_json: string
  clip_count: number
  bytes: number
  content_sha256: string
  provenance_json: string
  created_at: string
  run_count: number
}

const SELECT = `
  SELECT d.*, (SELECT COUNT(*) FROM runs r WHERE r.dataset_id = d.id) AS run_count
  FROM datasets d`

export function createDatasetsRepo(db: Db) {
  const byId = db.prepare<[number], RawRow>(`${SELECT} WHERE d.id = ?`)
  const byName = db.prepare<[string], RawRow>(`${SELECT} WHERE d.name = ?`)
  const all = db.prepare<[], RawRow>(`${SELECT} ORDER BY d.created_at DESC, d.id DESC`)
  const insert = db.prepare(
    `INSERT INTO datasets (name, origin, folder, shape_json, split_sizes_json, clip_count, bytes,
       content_sha256, provenance_json, created_at)
     VALUES (@name, @origin, @folder, @shape, @splits, @clipCount, @bytes, @contentSha256,
       @provenance, @now)`,
  )
  const remove = db.prepare('DELETE FROM datasets WHERE id = ?')

  const get = (id: number) => {
    const row = byId.get(id)
    return row && toDataset(row)
  }
  return {
    get,
    findByName(name: string) {
      const row = byName.get(name)
      return row && toDataset(row)
    },
    list: () => all.all().map(toDataset),
    insert(d: Omit<DatasetRow, 'id' | 'createdAt' | 'runCount'>): DatasetRow {
      const info = insert.run({
        ...d,
        shape: JSON.stringify(d.shape),
        splits: JSON.stringify(d.splits),
        provenance: JSON.stringify(d.provenance),
        now: nowIso(),
      })
      return get(Number(info.lastInsertRowid))!
    },
    delete: (id: number) => remove.run(id).changes > 0,
  }
}

export type DatasetsRepo = ReturnType<typeof createDatasetsRepo>

function toDataset(row: RawRow): DatasetRow {
  return {
    id: row.id,
    name: row.name,
    origin: row.origin,
    folder: row.folder,
    shape: JSON.parse(row.shape_json),
    splits: JSON.parse(row.split_sizes_json),
    clipCount: row.clip_count,
    bytes: row.bytes,
    contentSha256: row.content_sha256,
    provenance: JSON.parse(row.provenance_json),
    createdAt: row.created_at,
    runCount: row.run_count,
  }
}
