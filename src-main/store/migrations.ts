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
]

export const SCHEMA_VERSION = migrations.length
