import type { TmuStepIntrospection } from '../ml/tmu/introspection'
import type { MetricRow } from './trainer-protocol'

/**
 * A TMU step's introspection as metric series the UI can chart: per TMU layer L and source
 * m (1-based, in the order of the run's sources), the transfer gate averaged over time
 * (`tmu/gate/L1/m2`) and the distiller's error (`tmu/distill/L1/m2`), every iteration; with
 * `timeSteps`, the gate at each step t as well (`tmu/gate/L1/m2/t05`) — a snapshot, kept
 * sparse because 19 steps × M × layers per iteration would swamp the metrics table.
 */
export function introspectionRows(
  iteration: number,
  introspection: TmuStepIntrospection,
  timeSteps: boolean,
): MetricRow[] {
  const rows: MetricRow[] = [
    { iteration, name: 'tmu/distill-loss', value: introspection.distillLoss },
  ]
  introspection.layers.forEach((layer, j) => {
    introspection.gateMean[j]?.forEach((overTime, m) => {
      const key = `L${layer}/m${m + 1}`
      const mean = overTime.reduce((sum, v) => sum + v, 0) / Math.max(1, overTime.length)
      rows.push({ iteration, name: `tmu/gate/${key}`, value: mean })
      rows.push({
        iteration,
        name: `tmu/distill/${key}`,
        value: introspection.distillMse[j]?.[m] ?? null,
      })
      if (timeSteps) {
        overTime.forEach((value, t) =>
          rows.push({
            iteration,
            name: `tmu/gate/${key}/t${String(t + 1).padStart(2, '0')}`,
            value,
          }),
        )
      }
    })
  })
  return rows
}
