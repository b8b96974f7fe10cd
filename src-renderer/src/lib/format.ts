const YEAR_SECONDS = 365 * 24 * 3600

/**
 * Seconds as `2 d 03 h`, `1 h 02 m`, `3 m 05 s`, `12 s` or `340 ms`; past a year, `more than a
 * year` (an estimate for an absurd size is not worth its digits); null as an em dash.
 */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || Number.isNaN(seconds) || seconds < 0) return '—'
  if (seconds > YEAR_SECONDS) return 'more than a year'
  if (seconds > 0 && seconds < 1) return `${Math.round(seconds * 1000)} ms`
  const s = Math.round(seconds)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  const pad = (n: number) => String(n).padStart(2, '0')
  if (d > 0) return `${d} d ${pad(h)} h`
  if (h > 0) return `${h} h ${pad(m)} m`
  if (m > 0) return `${m} m ${pad(s % 60)} s`
  return `${s} s`
}

/** A metric with 4 significant digits (losses span 1e-4 … 1e3); null as an em dash. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return Math.abs(value) >= 1e5 || (value !== 0 && Math.abs(value) < 1e-3)
    ? value.toExponential(2)
    : String(Number(value.toPrecision(4)))
}

/**
 * A configuration value as the run page lists it: a fraction with 6 significant digits (a
 * derived η decay is 0.0266666…), everything else as it is; absent as an em dash.
 */
export function formatSetting(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '—'
  if (typeof value === 'number' && !Number.isInteger(value)) {
    return String(Number(value.toPrecision(6)))
  }
  return String(value)
}

export function formatMegabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1)
}

export function formatDate(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—'
}
