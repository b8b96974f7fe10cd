export type CsvCell = string | number | boolean | null | undefined

/**
 * RFC 4180 CSV (CRLF rows, quoted when needed). Text cells that a spreadsheet would run as a
 * formula get a leading apostrophe: run names and tags are user text, and a CSV is opened in
 * Excel more often than read.
 */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'
}

function csvCell(cell: CsvCell): string {
  if (cell === null || cell === undefined) return ''
  if (typeof cell !== 'string') return String(cell)
  const safe = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}
