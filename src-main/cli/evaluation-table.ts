import type { EvaluationSummary } from '../api/contract'
import { out } from './output'

/** A score; JSON carried NaN as null, so `nan` says which nulls were NaN (the rest: none or ∞). */
const fmt = (v: number | null | undefined, digits: number, nan = false) =>
  v === null || v === undefined ? (nan ? 'NaN' : '—') : v.toFixed(digits)

/** The per-frame table the field reports (docs/method.md §5): MSE/MAE per frame, SSIM, PSNR. */
export function printEvaluation(summary: EvaluationSummary) {
  out.line(`test split, ${summary.clips} clips, iteration ${summary.iteration}`)
  out.line('  frame      MSE      MAE    SSIM    PSNR')
  summary.mse.forEach((mse, j) => {
    const nan = (summary.nonFinite[j] ?? 0) > 0
    out.line(
      `  ${String(j + 1).padStart(5)} ${fmt(mse, 2, nan).padStart(8)} ` +
        `${fmt(summary.mae[j], 2, nan).padStart(8)} ${fmt(summary.ssim[j], 4, nan).padStart(7)} ` +
        `${fmt(summary.psnr[j], 2, nan).padStart(7)}`,
    )
  })
  const nan = summary.nonFiniteClips > 0
  out.line(
    `  mean  ${fmt(summary.meanMse, 2, nan).padStart(8)} ${fmt(summary.meanMae, 2, nan).padStart(8)} ` +
      `${fmt(summary.meanSsim, 4, nan).padStart(7)} ${fmt(summary.meanPsnr, 2, nan).padStart(7)}`,
  )
  if (nan) {
    out.line(
      `  ${summary.nonFiniteClips} of ${summary.clips} clips were predicted with NaN or ±Inf ` +
        'values: the model diverged, and those frames score NaN.',
    )
  }
}
