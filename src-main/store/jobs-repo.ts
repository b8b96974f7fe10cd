import type { Db } from './database'
import { nowIso } from './time'

export type JobKind = 'train' | 'evaluate'
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted'

export interface JobRow {
  id: number
  runId: number
  kind: JobKind
  state: JobState
  position: number
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  error: string | null
  /** How far the server has read the job's message file (a Slurm job's; 0 for local ones). */
  messagesOffset: number
  /** The first job of those filed with it to start together (one Slurm job array), or null. */
  arrayGroup: number | null
}

/** A queued or running job with its run's name, for the queue view. */
export interface ActiveJobRow extends JobRow {
  runName: string
}

interface RawRow {
  id: number
  run_id: number
  kind: JobKind
  state: JobState
  position: number
  created_at: string
  started_at: string | null
  finished_at: string | null
  error: string | null
  messages_offset: number
  array_group: number | null
}

/** The job queue, kept in SQLite so it survives a restart of the app or server. */
export function createJobsRepo(db: Db) {
  const queued = db.prepare<[], RawRow>(
    "SELECT * FROM jobs WHERE state = 'queued' ORDER BY position, id",
  )
  const byState = db.prepare<[string], RawRow>('SELECT * FROM jobs WHERE state = ? ORDER BY id')
  // Running jobs first (by start), then the queue in order.
  const active = db.prepare<[], RawRow & { run_name: string }>(
    `SELECT j.*, r.name AS run_name FROM jobs j JOIN runs r ON r.id = j.run_id
     WHERE j.state IN ('queued', 'running')
     ORDER BY j.state = 'queued', j.started_at, j.position, j.id`,
  )
  const byId = db.prepare<[number], RawRow>('SELECT * FROM jobs WHERE id = ?')
  const setPosition = db.prepare('UPDATE jobs SET position = ? WHERE id = ?')
  const activeOfRun = db.prepare<[number], RawRow>(
    "SELECT * FROM jobs WHERE run_id = ? AND state IN ('queued', 'running') ORDER BY id DESC LIMIT 1",
  )
  const insert = db.prepare(
    `INSERT INTO jobs (run_id, kind, state, position, created_at)
     VALUES (?, ?, 'queued', (SELECT COALESCE(MAX(position), 0) + 1 FROM jobs), ?)`,
  )
  const setState = db.prepare(
    `UPDATE jobs SET state = @state, error = @error,
       started_at = CASE WHEN @state = 'running' THEN @now ELSE started_at END,
       finished_at = CASE WHEN @state IN ('done', 'failed', 'cancelled', 'interrupted') THEN @now ELSE finished_at END
     WHERE id = @id`,
  )
  const setOffset = db.prepare('UPDATE jobs SET messages_offset = ? WHERE id = ?')
  const setGroup = db.prepare('UPDATE jobs SET array_group = ? WHERE id = ?')
  const enqueue = (runId: number, kind: JobKind) =>
    Number(insert.run(runId, kind, nowIso()).lastInsertRowid)
  return {
    enqueue,
    /** Queues jobs that start together (one Slurm job array) once each may start. */
    enqueueGroup: db.transaction((runIds: number[], kind: JobKind): number[] => {
      const ids = runIds.map((runId) => enqueue(runId, kind))
      if (ids.length > 1) for (const id of ids) setGroup.run(ids[0], id)
      return ids
    }),
    queued: () => queued.all().map(toJob),
    active: (): ActiveJobRow[] => active.all().map((r) => ({ ...toJob(r), runName: r.run_name })),
    get(id: number): JobRow | undefined {
      const row = byId.get(id)
      return row && toJob(row)
    },
    inState: (state: JobState) => byState.all(state).map(toJob),
    activeOfRun(runId: number): JobRow | undefined {
      const row = activeOfRun.get(runId)
      return row && toJob(row)
    },
    setState(id: number, state: JobState, error: string | null = null) {
      setState.run({ id, state, error, now: nowIso() })
    },
    setMessagesOffset(id: number, offset: number) {
      setOffset.run(offset, id)
    },
    /** Moves a queued job to just before `beforeJobId` (or to the end when null). */
    reorder(id: number, beforeJobId: number | null) {
      const ids = queued
        .all()
        .map((j) => j.id)
        .filter((j) => j !== id)
      const at = beforeJobId === null ? -1 : ids.indexOf(beforeJobId)
      ids.splice(at < 0 ? ids.length : at, 0, id)
      db.transaction(() => ids.forEach((jobId, i) => setPosition.run(i + 1, jobId)))()
    },
  }
}

export type JobsRepo = ReturnType<typeof createJobsRepo>

function toJob(row: RawRow): JobRow {
  return {
    id: row.id,
    runId: row.run_id,
    kind: row.kind,
    state: row.state,
    position: row.position,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    error: row.error,
    messagesOffset: row.messages_offset,
    arrayGroup: row.array_group,
  }
}
