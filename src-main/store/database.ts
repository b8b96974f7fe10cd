import Database from 'better-sqlite3'
import { migrations, SCHEMA_VERSION } from './migrations'

export type Db = Database.Database

export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError'
}

/**
 * Opens (creating if needed) a workspace database: WAL so readers never block the writer,
 * foreign keys on, a busy timeout so the trainer's writes and the UI's reads can interleave,
 * and pending migrations applied in one transaction each. `nativeBinding`: the addon to load
 * instead of better-sqlite3's own (the desktop app's Electron build, see native-abi.ts).
 */
export function openDatabase(file: string, nativeBinding?: string): Db {
  const db = new Database(file, nativeBinding ? { nativeBinding } : {})
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
    // NORMAL is durable in WAL mode against application crashes; only power loss can drop
    // the last transactions, never corrupt the file.
    db.pragma('synchronous = NORMAL')
    migrate(db, file)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number
}

function migrate(db: Db, file: string) {
  const current = schemaVersion(db)
  if (current > SCHEMA_VERSION) {
    throw new SchemaTooNewError(
      `${file}: schema version ${current} was written by a newer TMU Workbench (this one knows up to ${SCHEMA_VERSION}); update the workbench instead of opening it here`,
    )
  }
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.transaction(() => {
      db.exec(migrations[version - 1]!)
      db.pragma(`user_version = ${version}`)
    })()
  }
}
