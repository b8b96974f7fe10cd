import type { PairedDifference } from './paired-bootstrap'
import type { Interval } from './student-t'

/** −2.1 with a true minus sign, 3 significant digits under 10 and 1 decimal above. */
export function formatSigned(value: number): string {
  const digits = Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3
  const text = Math.abs(value).toFixed(digits)
  return value < 0 && Number(text) !== 0 ? `−${text}` : text
}

export const formatInterval = (i: Pick<Interval, 'low' | 'high'>) =>
  i.low === null || i.high === null ? '—' : `[${formatSigned(i.low)}, ${formatSigned(i.high)}]`

/** "t+1–t+3, t+5": 0-based lead-time indices as ranges of lead times. */
function horizons(indices: number[]): string {
  const parts: string[] = []
  for (let k = 0; k < indices.length;) {
    let end = k
    while (end + 1 < indices.length && indices[end + 1] === indices[end]! + 1) end++
    const first = indices[k]! + 1
    const last = indices[end]! + 1
    parts.push(first === last ? `t+${first}` : `t+${first}–t+${last}`)
    k = end + 1
  }
  return parts.join(', ')
}

const excludesZero = (i: Interval) =>
  i.low !== null && i.high !== null && (i.low > 0 || i.high < 0) ? Math.sign(i.estimate) : 0

/**
 * The plain-words reading of A − B: where its interval lies wholly below or above zero, A is
 * lower or higher; elsewhere "no difference detected" (which is not "no difference": the study
 * may be too small to see one). Lead times are not corrected for multiple comparisons; the
 * interval of the mean over lead times is the one headline number.
 */
export function pairedVerdict(
  a: string,
  b: string,
  metric: string,
  difference: PairedDifference,
  level = 0.95,
): string {
  const ci = `${Math.round(level * 100)} % CI of the difference ${formatInterval(difference.mean)}`
  if (!Number.isFinite(difference.mean.estimate))
    return `${a} and ${b} cannot be compared on ${metric}: a seed scored NaN or ±Inf`
  const signs = difference.perFrame.map(excludesZero)
  const lower = signs.flatMap((s, j) => (s < 0 ? [j] : []))
  const higher = signs.flatMap((s, j) => (s > 0 ? [j] : []))
  const frames = signs.length
  if (lower.length === frames) return `${a} lower ${metric} than ${b} at every horizon, ${ci}`
  if (higher.length === frames) return `${a} higher ${metric} than ${b} at every horizon, ${ci}`
  const overall = excludesZero(difference.mean)
  if (lower.length === 0 && higher.length === 0) {
    return overall === 0
      ? `no difference detected in ${metric} between ${a} and ${b}, ${ci}`
      : `${a} ${overall < 0 ? 'lower' : 'higher'} ${metric} than ${b} over all horizons together, at none alone, ${ci}`
  }
  const parts = [
    lower.length ? `lower ${metric} than ${b} at ${horizons(lower)}` : '',
    higher.length ? `higher ${metric} than ${b} at ${horizons(higher)}` : '',
  ].filter(Boolean)
  const rest = signs.flatMap((s, j) => (s === 0 ? [j] : []))
  return `${a} ${parts.join(' and ')}${rest.length ? `, no difference detected at ${horizons(rest)}` : ''}; over all horizons ${ci}`
}
