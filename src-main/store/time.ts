/** Timestamps are stored as ISO-8601 UTC text: sortable, readable in any SQLite client. */
export function nowIso(): string {
  return new Date().toISOString()
}
