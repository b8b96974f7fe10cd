import type { EvaluationSummary } from '../api/contract'
import { out } from './output'

const fmt = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined ? '—' : v.toFixed(digits)

/** The per-frame table the field reports (method.md §5): MSE/MAE per frame, SSIM, PSNR. */
export function printEvaluation(summary: EvaluationSummary) {
  out.line(`test split, ${summary.clips} clips, iteration ${summary.iteration}`)
  out.line('  frame      MSE      MAE    SSIM    PSNR')
  summary.mse.forEach((mse, j) => {
    out.line(
      `  ${String(j + 1).padStart(5)} ${fmt(mse, 2).padStart(8)} ${fmt(summary.mae[j], 2).padStart(8)} ` +
        `${fmt(summary.ssim[j], 4).padStart(7)} ${fmt(summary.psnr[j], 2).padStart(7)}`,
    )
  })
  out.line(
    `  mean  ${fmt(summary.meanMse, 2).padStart(8)} ${fmt(summary.meanMae, 2).padStart(8)} ` +
      `${fmt(summary.meanSsim, 4).padStart(7)} ${fmt(summary.meanPsnr, 2).padStart(7)}`,
  )
}
