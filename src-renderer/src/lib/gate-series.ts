import type { ClipGates, RunMetrics } from '@contract/index'
import type { LineSeries } from '../composables/useLineChart'

/** One chart of a TMU run: a series per source for one TMU layer. */
export interface LayerSeries {
  layer: number
  series: LineSeries[]
}

/** Series named `tmu/<what>/L<layer>/m<source>` exactly (time-step snapshots `/tNN` excluded). */
function perLayerSource(metrics: RunMetrics, what: 'gate' | 'distill') {
  const pattern = new RegExp(`^tmu/${what}/L(\\d+)/m(\\d+)$`)
  const found: { layer: number; m: number; points: RunMetrics[string] }[] = []
  for (const [name, points] of Object.entries(metrics)) {
    const match = pattern.exec(name)
    if (match) found.push({ layer: Number(match[1]), m: Number(match[2]), points })
  }
  return found
}

/**
 * Per TMU layer, one curve per source over training iterations: the mean transfer gate
 * (`what = 'gate'`) or the distiller's error (`'distill'`). Sources are labelled by name in
 * gate order (m = 1 … M is the run's `sourceRunIds` order) and keep their colour across charts.
 */
export function tmuLayerSeries(
  metrics: RunMetrics,
  what: 'gate' | 'distill',
  sourceNames: string[],
): LayerSeries[] {
  const byLayer = new Map<number, LineSeries[]>()
  const found = perLayerSource(metrics, what).sort((a, b) => a.layer - b.layer || a.m - b.m)
  for (const { layer, m, points } of found) {
    const list = byLayer.get(layer) ?? []
    byLayer.set(layer, list)
    list.push({ label: sourceNames[m - 1] ?? `source ${m}`, points, colour: m - 1 })
  }
  return [...byLayer].map(([layer, series]) => ({ layer, series }))
}

/**
 * A clip's gate curves per layer: x is the clip frame each step predicts (step t reads frame
 * t and guesses frame t + 1, so the first point sits at frame 2), so a cursor at the player's
 * clip frame lines up with the gate that produced it.
 */
export function clipGateSeries(gates: ClipGates): LayerSeries[] {
  return gates.layers.map((layer, j) => ({
    layer,
    series: (gates.gateMean[j] ?? []).map((overTime, m) => ({
      label: gates.sources[m] ?? `source ${m + 1}`,
      points: overTime.map((v, i) => [i + 2, v] as [number, number]),
      colour: m,
    })),
  }))
}

/** A vertical dashed line at x over a gate's range [0, 1]: the player's current frame. */
export function frameCursor(x: number): LineSeries {
  return {
    label: 'shown frame',
    points: [
      [x, 0],
      [x, 1],
    ],
    colour: 7,
    dashed: true,
  }
}
