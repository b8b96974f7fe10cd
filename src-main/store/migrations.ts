/**
 * Forward-only schema migrations. A migration is never edited once released: add the next
 * one. `user_version` records how far a database has come; opening a database from a newer
 * workbench is refused rather than guessed at.
 */
export const migrations: readonly string[] = [
  // 1: experiments and their runs.
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    tags_json TEXT NOT NULL DEFAULT '[]',
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- Deletes are soft first so the UI can undo them; purged later (see purgeDeleted).
    deleted_at TEXT
  );
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    config_json TEXT NOT NULL,
    status TEXT NOT NULL,
    backend TEXT,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id);
  `,
  // 2: datasets, training progress, metrics, evaluations, lineage and the job queue.
  `
  CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    origin TEXT NOT NULL,
    -- Folder under the workspace's datasets/ (never an absolute path: workspaces move).
    folder TEXT NOT NULL UNIQUE,
    shape_json TEXT NOT NULL,
    split_sizes_json TEXT NOT NULL,
    clip_count INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    provenance_json TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX datasets_by_name ON datasets(name);

  ALTER TABLE runs ADD COLUMN dataset_id INTEGER REFERENCES datasets(id);
  ALTER TABLE runs ADD COLUMN iteration INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE runs ADD COLUMN error TEXT;
  ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
  ALTER TABLE runs ADD COLUMN tags_json TEXT NOT NULL DEFAULT '[]';
  CREATE INDEX runs_by_dataset ON runs(dataset_id);

  CREATE TABLE run_sources (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    source_run_id INTEGER NOT NULL REFERENCES runs(id),
    PRIMARY KEY (run_id, position)
  );

  CREATE TABLE run_metrics (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    value REAL,
    PRIMARY KEY (run_id, name, iteration)
  ) WITHOUT ROWID;

  CREATE TABLE run_evaluations (
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    split TEXT NOT NULL,
    iteration INTEGER NOT NULL,
    summary_json TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (run_id, split, iteration)
  );

  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Queue order; reordering rewrites it.
    position REAL NOT NULL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT,
    error TEXT
  );
  CREATE INDEX jobs_by_state ON jobs(state, position);
  `,
  // 3: the zoo — completed runs chosen as source models, each under a name of its own.
  `
  CREATE TABLE zoo_members (
    run_id INTEGER PRIMARY KEY REFERENCES runs(id),
    name TEXT NOT NULL UNIQUE,
    added_at TEXT NOT NULL
  );
  `,
  // 4: archived runs (kept, out of the default lists) and the runs' log lines.
  `
  ALTER TABLE runs ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1));
  CREATE TABLE run_logs (
    id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    level TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX run_logs_by_run ON run_logs(run_id, id);
  `,
  // 5: training time summed over a run's attempts (started_at/finished_at are the last one's).
  `
  ALTER TABLE runs ADD COLUMN trained_seconds REAL NOT NULL DEFAULT 0;
  UPDATE runs SET trained_seconds = (julianday(finished_at) - julianday(started_at)) * 86400
    WHERE started_at IS NOT NULL AND finished_at IS NOT NULL AND finished_at > started_at;
  `,
  // 6: the workspace's settings (api/contract/settings.ts), one JSON value per key.
  `
  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value_json TEXT NOT NULL
  );
  `,
  // 7: where a run ran (the local machine, or a Slurm job on a node of a partition), and how
  // far the server has read a Slurm job's message file, to re-attach from there on restart.
  `
  ALTER TABLE runs ADD COLUMN executor TEXT NOT NULL DEFAULT 'local';
  ALTER TABLE runs ADD COLUMN slurm_job_id TEXT;
  ALTER TABLE runs ADD COLUMN node TEXT;
  ALTER TABLE runs ADD COLUMN partition TEXT;
  ALTER TABLE jobs ADD COLUMN messages_offset INTEGER NOT NULL DEFAULT 0;
  `,
  // 8: jobs filed together to start together (the seeds of a study's arm: one Slurm job
  // array), named by the group's first job; NULL for a job filed alone.
  `
  ALTER TABLE jobs ADD COLUMN array_group INTEGER;
  `,
]

export const SCHEMA_VERSION = migrations.length
