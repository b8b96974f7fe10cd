import type { RunProgress } from '../api/contract'

const BAR_WIDTH = 24

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.round(seconds)
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`
  return m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`
}

/** One line: `  120/500 [█████░░░░]  24%  loss 0.01234  η 0.998  1.8 it/s  ETA 3m31s`. */
export function formatProgress(p: RunProgress): string {
  const fraction = p.total > 0 ? Math.min(1, p.iteration / p.total) : 0
  const filled = Math.round(fraction * BAR_WIDTH)
  const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled)
  const eta = p.etaSeconds === null ? '' : `  ETA ${formatDuration(p.etaSeconds)}`
  return (
    `${String(p.iteration).padStart(String(p.total).length)}/${p.total} [${bar}] ` +
    `${(fraction * 100).toFixed(0).padStart(3)}%  loss ${p.loss.toPrecision(4)}  ` +
    `η ${p.samplingEta.toFixed(3)}  ${p.itersPerSecond.toFixed(2)} it/s${eta}`
  )
}
