import type { Executor, RunKind, RunStatus } from '../domain/runs'
import type { Db } from './database'
import { nowIso } from './time'

export interface RunRow {
  id: number
  experimentId: number
  name: string
  kind: RunKind
  config: Record<string, unknown>
  status: RunStatus
  backend: string | null
  datasetId: number | null
  datasetName: string | null
  iteration: number
  error: string | null
  notes: string
  tags: string[]
  archived: boolean
  sourceRunIds: number[]
  lastLoss: number | null
  test: {
    mse: number | null
    mae: number | null
    ssim: number | null
    psnr: number | null
    nonFiniteClips?: number
    inference?: { secondsPerClip: number; frames: number }
  } | null
  createdAt: string
  startedAt: string | null
  finishedAt: string | null
  trainedSeconds: number
  executor: Executor
  slurmJobId: string | null
  node: string | null
  partition: string | null
}

interface RawRow {
  id: number
  experiment_id: number
  name: string
  kind: RunKind
  config_json: string
  status: RunStatus
  backend: string | null
  dataset_id: number | null
  dataset_name: string | null
  iteration: number
  error: string | null
  notes: string
  tags_json: string
  archived: number
  source_ids: string | null
  last_loss: number | null
  test_mse: number | null
  test_mae: number | null
  test_ssim: number | null
  test_psnr: number | null
  test_non_finite: number | null
  /** The latest test evaluation's `inference`, as JSON text. */
  test_inference: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  trained_seconds: number
  executor: Executor
  slurm_job_id: string | null
  node: string | null
  partition: string | null
}

/** The latest value of a metric series: what tables show without loading whole curves. */
const latest = (name: string) => `(SELECT m.value FROM run_metrics m
    WHERE m.run_id = r.id AND m.name = '${name}' ORDER BY m.iteration DESC LIMIT 1)`

const SELECT = `
  SELECT r.*, d.name AS dataset_name,
    (SELECT group_concat(s.source_run_id) FROM
      (SELECT source_run_id FROM run_sources WHERE run_id = r.id ORDER BY position) s) AS source_ids,
    ${latest('train/loss')} AS last_loss,
    ${latest('test/mse')} AS test_mse, ${latest('test/mae')} AS test_mae,
    ${latest('test/ssim')} AS test_ssim, ${latest('test/psnr')} AS test_psnr,
    (SELECT json_extract(v.summary_json, '$.nonFiniteClips') FROM run_evaluations v
      WHERE v.run_id = r.id AND v.split = 'test' ORDER BY v.iteration DESC LIMIT 1)
      AS test_non_finite,
    (SELECT json_extract(v.summary_json, '$.inference') FROM run_evaluations v
      WHERE v.run_id = r.id AND v.split = 'test' ORDER BY v.iteration DESC LIMIT 1)
      AS test_inference
  FROM runs r
  JOIN experiments e ON e.id = r.experiment_id AND e.deleted_at IS NULL
  LEFT JOIN datasets d ON d.id = r.dataset_id`

export interface NewRun {
  experimentId: number
  name: string
  kind: RunKind
  config: object
  datasetId: number | null
  sourceRunIds: number[]
  status: RunStatus
}

export function createRunsRepo(db: Db) {
  const byId = db.prepare<[number], RawRow>(`${SELECT} WHERE r.id = ?`)
  const all = db.prepare<[], RawRow>(`${SELECT} ORDER BY r.id DESC`)
  const ofExperiment = db.prepare<[number], RawRow>(
    `${SELECT} WHERE r.experiment_id = ? ORDER BY r.id DESC`,
  )
  const insertRun = db.prepare(
    `INSERT INTO runs (experiment_id, name, kind, config_json, status, dataset_id, created_at)
     VALUES (@experimentId, @name, @kind, @config, @status, @datasetId, @now)`,
  )
  const insertSource = db.prepare(
    'INSERT INTO run_sources (run_id, position, source_run_id) VALUES (?, ?, ?)',
  )
  const insertMetric = db.prepare(
    'INSERT OR REPLACE INTO run_metrics (run_id, name, iteration, value) VALUES (?, ?, ?, ?)',
  )
  const metricsOf = db.prepare<[number], { name: string; iteration: number; value: number | null }>(
    'SELECT name, iteration, value FROM run_metrics WHERE run_id = ? ORDER BY name, iteration',
  )
  const insertLog = db.prepare(
    'INSERT INTO run_logs (run_id, time, level, text) VALUES (?, ?, ?, ?)',
  )
  const logsOf = db.prepare<
    [number, number],
    { time: string; level: 'info' | 'warn' | 'error'; text: string }
  >('SELECT time, level, text FROM run_logs WHERE run_id = ? ORDER BY id DESC LIMIT ?')
  const insertEvaluation = db.prepare(
    `INSERT OR REPLACE INTO run_evaluations (run_id, split, iteration, summary_json, created_at)
     VALUES (?, ?, ?, ?, ?)`,
  )
  const latestEvaluation = db.prepare<
    [number, string],
    { summary_json: string; iteration: number }
  >(
    `SELECT summary_json, iteration FROM run_evaluations WHERE run_id = ? AND split = ?
     ORDER BY iteration DESC LIMIT 1`,
  )

  const get = (id: number) => {
    const row = byId.get(id)
    return row && toRun(row)
  }

  return {
    get,
    list(experimentId?: number): RunRow[] {
      return (experimentId === undefined ? all.all() : ofExperiment.all(experimentId)).map(toRun)
    },
    create: db.transaction((run: NewRun): RunRow => {
      const info = insertRun.run({ ...run, config: JSON.stringify(run.config), now: nowIso() })
      const id = Number(info.lastInsertRowid)
      run.sourceRunIds.forEach((source, position) => insertSource.run(id, position, source))
      return get(id)!
    }),
    /** Updates the named columns (a fixed set, never caller-chosen names). */
    update(
      id: number,
      patch: Partial<{
        name: string
        notes: string
        tags: string[]
        archived: boolean
        /** A restart on another backend rewrites the preference it was created with. */
        config: object
        status: RunStatus
        backend: string
        iteration: number
        error: string | null
        startedAt: string | null
        finishedAt: string | null
        trainedSeconds: number
        executor: Executor
        slurmJobId: string | null
        node: string | null
        partition: string | null
      }>,
    ) {
      const columns: Record<string, unknown> = {}
      if (patch.name !== undefined) columns.name = patch.name
      if (patch.notes !== undefined) columns.notes = patch.notes
      if (patch.tags !== undefined) columns.tags_json = JSON.stringify(patch.tags)
      if (patch.archived !== undefined) columns.archived = patch.archived ? 1 : 0
      if (patch.config !== undefined) columns.config_json = JSON.stringify(patch.config)
      if (patch.status !== undefined) columns.status = patch.status
      if (patch.backend !== undefined) columns.backend = patch.backend
      if (patch.iteration !== undefined) columns.iteration = patch.iteration
      if (patch.error !== undefined) columns.error = patch.error
      if (patch.startedAt !== undefined) columns.started_at = patch.startedAt
      if (patch.finishedAt !== undefined) columns.finished_at = patch.finishedAt
      if (patch.trainedSeconds !== undefined) columns.trained_seconds = patch.trainedSeconds
      if (patch.executor !== undefined) columns.executor = patch.executor
      if (patch.slurmJobId !== undefined) columns.slurm_job_id = patch.slurmJobId
      if (patch.node !== undefined) columns.node = patch.node
      if (patch.partition !== undefined) columns.partition = patch.partition
      const keys = Object.keys(columns)
      if (keys.length === 0) return
      db.prepare(
        `UPDATE runs SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`,
      ).run({
        ...columns,
        id,
      })
    },
    delete: (id: number) => db.prepare('DELETE FROM runs WHERE id = ?').run(id).changes > 0,
    /** Runs that name `id` as a source (finetune init or TMU zoo member). */
    dependents: (id: number) =>
      db
        .prepare<[number], { run_id: number }>(
          'SELECT run_id FROM run_sources WHERE source_run_id = ?',
        )
        .all(id)
        .map((r) => r.run_id),
    /** One transaction per batch: the trainer's metric stream never outpaces SQLite. */
    addMetrics: db.transaction(
      (
        id: number,
        rows: ReadonlyArray<{ iteration: number; name: string; value: number | null }>,
      ) => {
        for (const r of rows) insertMetric.run(id, r.name, r.iteration, r.value)
      },
    ),
    metrics(id: number): Record<string, Array<[number, number | null]>> {
      const series: Record<string, Array<[number, number | null]>> = {}
      for (const r of metricsOf.all(id)) (series[r.name] ??= []).push([r.iteration, r.value])
      return series
    },
    addLog(id: number, line: { time: string; level: string; text: string }) {
      insertLog.run(id, line.time, line.level, line.text)
    },
    /** The newest `limit` lines, oldest first. */
    logs(id: number, limit: number) {
      return logsOf.all(id, limit).reverse()
    },
    addEvaluation(id: number, split: string, iteration: number, summary: object) {
      insertEvaluation.run(id, split, iteration, JSON.stringify(summary), nowIso())
    },
    latestEvaluation(
      id: number,
      split: string,
    ): { iteration: number; summary: Record<string, unknown> } | null {
      const row = latestEvaluation.get(id, split)
      return row ? { iteration: row.iteration, summary: JSON.parse(row.summary_json) } : null
    },
  }
}

export type RunsRepo = ReturnType<typeof createRunsRepo>

function toRun(row: RawRow): RunRow {
  // A diverged model's means are all NaN (null): its evaluation still counts, by its flag.
  const evaluated = row.test_mse !== null || row.test_ssim !== null || row.test_non_finite !== null
  return {
    id: row.id,
    experimentId: row.experiment_id,
    name: row.name,
    kind: row.kind,
    config: JSON.parse(row.config_json) as Record<string, unknown>,
    status: row.status,
    backend: row.backend,
    datasetId: row.dataset_id,
    datasetName: row.dataset_name,
    iteration: row.iteration,
    error: row.error,
    notes: row.notes,
    tags: JSON.parse(row.tags_json) as string[],
    archived: row.archived === 1,
    sourceRunIds: row.source_ids ? row.source_ids.split(',').map(Number) : [],
    lastLoss: row.last_loss,
    test: evaluated
      ? {
          mse: row.test_mse,
          mae: row.test_mae,
          ssim: row.test_ssim,
          psnr: row.test_psnr,
          ...(row.test_non_finite === null ? {} : { nonFiniteClips: row.test_non_finite }),
          ...(row.test_inference === null
            ? {}
            : {
                inference: JSON.parse(row.test_inference) as {
                  secondsPerClip: number
                  frames: number
                },
              }),
        }
      : null,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    trainedSeconds: row.trained_seconds,
    executor: row.executor,
    slurmJobId: row.slurm_job_id,
    node: row.node,
    partition: row.partition,
  }
}
