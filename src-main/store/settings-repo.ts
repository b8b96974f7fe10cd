import type { Db } from './database'

/** The workspace's settings as stored: one JSON value per key (the service knows their shapes). */
export function createSettingsRepo(db: Db) {
  const all = db.prepare<[], { key: string; value_json: string }>(
    'SELECT key, value_json FROM settings',
  )
  const upsert = db.prepare(
    `INSERT INTO settings (key, value_json) VALUES (?, ?)
     ON CONFLICT(key) DO UPDATE SET value_json = excluded.value_json`,
  )
  return {
    read(): Record<string, unknown> {
      return Object.fromEntries(all.all().map((r) => [r.key, JSON.parse(r.value_json) as unknown]))
    },
    write: db.transaction((values: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(values)) {
        if (value !== undefined) upsert.run(key, JSON.stringify(value))
      }
    }),
  }
}

export type SettingsRepo = ReturnType<typeof createSettingsRepo>
