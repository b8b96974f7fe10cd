import type { Interval, StudyMetric, StudyResults } from '../api/contract'
import { out } from './output'
import { formatDuration } from './progress-line'

const TITLES: Record<StudyMetric, string> = {
  mse: 'test MSE per frame (sum over pixels, lower is better)',
  mae: 'test MAE per frame (sum over pixels, lower is better)',
  ssim: 'test SSIM per frame (higher is better)',
  psnr: 'test PSNR per frame, dB (higher is better)',
}
const DIGITS: Record<StudyMetric, number> = { mse: 1, mae: 1, ssim: 3, psnr: 2 }

/** "29.9±1.2": the mean over seeds and the half-width of its 95 % t interval (symmetric). */
export function formatMeanCi(i: Interval, digits: number): string {
  if (i.estimate === null) return '—'
  if (i.low === null || i.high === null) return i.estimate.toFixed(digits)
  return `${i.estimate.toFixed(digits)}±${((i.high - i.low) / 2).toFixed(digits)}`
}

/**
 * A study's results as `tmu study` prints them: each arm's budget and backend, the four
 * metrics per lead time as mean ± 95 % half-width over seeds, then the paired verdicts.
 */
export function printStudyResults(results: StudyResults) {
  const { arms } = results
  const width = Math.max(8, ...arms.map((a) => a.name.length + 2))
  out.line(`${results.name}: ${results.testClips} test clips, the same for every run`)
  out.line(
    'arm'.padEnd(width) +
      'seeds'.padStart(7) +
      'iters'.padStart(8) +
      'wall'.padStart(9) +
      '  backend',
  )
  for (const a of arms) {
    out.line(
      a.name.padEnd(width) +
        `${a.scoredSeeds}/${a.runs.length}`.padStart(7) +
        String(a.iterations).padStart(8) +
        formatDuration(a.wallSeconds).padStart(9) +
        `  ${a.backend ?? '—'}`,
    )
  }
  out.line()
  for (const metric of ['mse', 'mae', 'ssim', 'psnr'] as const) {
    const digits = DIGITS[metric]
    const frames = Math.max(0, ...arms.map((a) => a.perFrame[metric].length))
    const beyond = Math.max(0, ...arms.map((a) => a.beyond[metric].length))
    const cell = Math.max(
      8,
      ...arms.flatMap((a) =>
        [
          ...a.perFrame[metric],
          a.overall[metric],
          ...a.beyond[metric],
          a.beyondOverall[metric],
        ].map((i) => formatMeanCi(i, digits).length + 2),
      ),
    )
    const cells = (intervals: Interval[], count: number) =>
      Array.from({ length: count }, (_, j) => {
        const i = intervals[j]
        return (i ? formatMeanCi(i, digits) : '—').padStart(cell)
      }).join('')
    out.line(`${TITLES[metric]}; mean±95 % CI over seeds`)
    out.line(
      'arm'.padEnd(width) +
        Array.from({ length: frames }, (_, j) => `t+${j + 1}`.padStart(cell)).join('') +
        'mean'.padStart(cell) +
        Array.from({ length: beyond }, (_, j) => `t+${frames + j + 1}†`.padStart(cell)).join('') +
        (beyond ? 'mean†'.padStart(cell) : ''),
    )
    for (const a of arms) {
      out.line(
        a.name.padEnd(width) +
          cells(a.perFrame[metric], frames) +
          formatMeanCi(a.overall[metric], digits).padStart(cell) +
          cells(a.beyond[metric], beyond) +
          (beyond ? formatMeanCi(a.beyondOverall[metric], digits).padStart(cell) : ''),
      )
    }
    if (beyond) {
      out.line('† past the trained horizon; "mean" covers the trained lead times, "mean†" the rest')
    }
    out.line()
  }
  if (results.comparisons.length) {
    out.line('paired on the same test clips, bootstrapped over clips and seeds:')
    for (const c of results.comparisons) out.line(`  ${c.verdict}`)
  }
}
