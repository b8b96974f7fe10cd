import { paneRgba, type ComparisonPane, type ComparisonRow } from '@media/comparison-rows'
import { frameToRgba, pixelAt, type Clip } from '@media/frames'
import type { ColourBar, HeatMode } from '@media/heatmap'

/** One canvas of the player: its frames ready to draw, and what the pixel probe reads there. */
export interface PlayerPane {
  id: string
  label: string
  frames: ImageData[]
  probe(t: number, x: number, y: number): string
  /** A heat map's mode, so the player shows that mode's colour bar. */
  heat?: HeatMode
  /** Frame pixels per image pixel: a TMU map keeps one per patch and is drawn this much larger. */
  upscale?: number
}

/** A row of the player: a clip, or a run's prediction with its heat maps beside it. */
export interface PlayerRow {
  id: string
  label: string
  panes: PlayerPane[]
  /** Shown over the row, e.g. to mark input frames apart from predictions. */
  note?: string
  /** The colour scales of this row's own panes (TMU maps), shown with the row. */
  bars?: ColourBar[]
}

/** A pane showing a clip as it is (grey or RGB). */
export function clipPane(id: string, label: string, clip: Clip): PlayerPane {
  return playerPane({ id, label, kind: 'clip', clip })
}

function playerPane(pane: ComparisonPane): PlayerPane {
  const [T, H, W] = pane.kind === 'clip' ? pane.clip.shape : pane.prediction.shape
  const frames = Array.from({ length: T }, (_, t) => new ImageData(paneRgba(pane, t), W, H))
  if (pane.kind === 'clip') {
    const { clip } = pane
    return {
      id: pane.id,
      label: pane.label,
      frames,
      probe: (t, x, y) => pixelAt(clip, t, x, y).join(', '),
    }
  }
  const { truth, prediction, heat } = pane
  return {
    id: pane.id,
    label: pane.label,
    heat,
    frames,
    probe(t, x, y) {
      const p = pixelAt(prediction, t, x, y)
      const g = pixelAt(truth, t, x, y)
      const d = p.map((v, c) => v - g[c]!)
      return heat === 'abs'
        ? d.map(Math.abs).join(', ')
        : d.map((v) => (v > 0 ? `+${v}` : `${v}`)).join(', ')
    },
  }
}

/** The comparison's rows (`comparisonRows`, which the exports lay out too), ready to draw. */
export function playerRows(rows: ComparisonRow[]): PlayerRow[] {
  return rows.map((row) => ({ id: row.id, label: row.label, panes: row.panes.map(playerPane) }))
}

/** The heat-map modes on screen, in a fixed order: each gets one colour bar. */
export function heatModes(rows: PlayerRow[]): HeatMode[] {
  const shown = new Set(rows.flatMap((r) => r.panes.map((p) => p.heat)))
  return (['abs', 'signed'] as const).filter((m) => shown.has(m))
}

/**
 * The context frames before the predictions, one still pane each ("input 1" … "input n"), held
 * for the whole clock (T frames) so they sit beside the player's frame-locked rows.
 */
export function inputRow(inputs: Clip, T: number): PlayerRow {
  const [count, H, W] = inputs.shape
  const panes = Array.from({ length: count }, (_, k): PlayerPane => {
    const image = new ImageData(frameToRgba(inputs, k), W, H)
    return {
      id: `input-${k}`,
      label: `input ${k + 1}`,
      frames: Array.from({ length: T }, () => image),
      probe: (_t, x, y) => pixelAt(inputs, k, x, y).join(', '),
    }
  })
  return {
    id: 'inputs',
    label: 'Inputs',
    panes,
    note: `Inputs: the ${count} frames every model saw before predicting`,
  }
}
