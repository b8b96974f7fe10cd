import type { EvaluationSummary } from '@contract/index'
import { toCsv } from './csv'

export type FrameMetric = 'mse' | 'ssim' | 'psnr'

export interface EvaluatedRun {
  name: string
  evaluation: EvaluationSummary
}

/** Curves by lead time (x = 1 … Tout): per run, the chosen clip (solid) and the test mean (dashed). */
export function frameMetricCurves(runs: EvaluatedRun[], clip: number, metric: FrameMetric) {
  return runs.flatMap((r, i) => {
    const perClip = r.evaluation.perClip[clip]?.[metric] ?? []
    const byFrame = (values: (number | null)[]) =>
      values.map((v, j) => [j + 1, v] as [number, number | null])
    return [
      { label: `${r.name} · clip ${clip}`, points: byFrame(perClip), colour: i },
      { label: `${r.name} · mean`, points: byFrame(r.evaluation[metric]), colour: i, dashed: true },
    ]
  })
}

/** Per-frame metrics of the clip and the test means, one row per lead time, as CSV. */
export function frameMetricsCsv(runs: EvaluatedRun[], clip: number): string {
  const metrics: FrameMetric[] = ['mse', 'ssim', 'psnr']
  const header = ['frame']
  for (const r of runs) {
    for (const m of metrics) header.push(`${r.name} ${m} clip ${clip}`, `${r.name} ${m} mean`)
  }
  const frames = Math.max(0, ...runs.map((r) => r.evaluation.mse.length))
  const rows = Array.from({ length: frames }, (_, j) => [
    j + 1,
    ...runs.flatMap((r) =>
      metrics.flatMap((m) => [
        r.evaluation.perClip[clip]?.[m][j] ?? null,
        r.evaluation[m][j] ?? null,
      ]),
    ),
  ])
  return toCsv(header, rows)
}
