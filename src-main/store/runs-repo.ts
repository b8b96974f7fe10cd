import type { Db } from './database'

export interface RunRow {
  id: number
  experimentId: number
  name: string
  kind: 'source' | 'scratch' | 'finetune' | 'tmu'
  config: Record<string, unknown>
  status: 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted'
  backend: string | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
}

interface RawRow {
  id: number
  experiment_id: number
  name: string
  kind: RunRow['kind']
  config_json: string
  status: RunRow['status']
  backend: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
}

export function createRunsRepo(db: Db) {
  const all = db.prepare<[], RawRow>('SELECT * FROM runs ORDER BY id DESC')
  const ofExperiment = db.prepare<[number], RawRow>(
    'SELECT * FROM runs WHERE experiment_id = ? ORDER BY id DESC',
  )
  return {
    list(experimentId?: number): RunRow[] {
      const rows = experimentId === undefined ? all.all() : ofExperiment.all(experimentId)
      return rows.map(toRun)
    },
  }
}

export type RunsRepo = ReturnType<typeof createRunsRepo>

function toRun(row: RawRow): RunRow {
  return {
    id: row.id,
    experimentId: row.experiment_id,
    name: row.name,
    kind: row.kind,
    config: JSON.parse(row.config_json) as Record<string, unknown>,
    status: row.status,
    backend: row.backend,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  }
}
