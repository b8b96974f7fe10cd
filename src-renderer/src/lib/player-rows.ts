import { frameBytes, frameToRgba, pixelAt, type Clip } from '@media/frames'
import { differenceRgba, type HeatMode } from './heatmap'

/** One canvas of the player: its frames ready to draw, and what the pixel probe reads there. */
export interface PlayerPane {
  id: string
  label: string
  frames: ImageData[]
  probe(t: number, x: number, y: number): string
  /** A heat map's mode, so the player shows that mode's colour bar. */
  heat?: HeatMode
}

/** A row of the player: a clip, or a run's prediction with its heat maps beside it. */
export interface PlayerRow {
  id: string
  label: string
  panes: PlayerPane[]
  /** Shown over the row, e.g. to mark input frames apart from predictions. */
  note?: string
}

export interface HeatMapChoice {
  abs: boolean
  signed: boolean
}

function imageFrames(
  T: number,
  width: number,
  height: number,
  rgba: (t: number) => Uint8ClampedArray<ArrayBuffer>,
) {
  return Array.from({ length: T }, (_, t) => new ImageData(rgba(t), width, height))
}

/** A pane showing a clip as it is (grey or RGB). */
export function clipPane(id: string, label: string, clip: Clip): PlayerPane {
  const [T, H, W] = clip.shape
  return {
    id,
    label,
    frames: imageFrames(T, W, H, (t) => frameToRgba(clip, t)),
    probe: (t, x, y) => pixelAt(clip, t, x, y).join(', '),
  }
}

function differencePane(
  id: string,
  label: string,
  truth: Clip,
  prediction: Clip,
  mode: HeatMode,
): PlayerPane {
  const [T, H, W, C] = prediction.shape
  return {
    id,
    label,
    heat: mode,
    frames: imageFrames(T, W, H, (t) =>
      differenceRgba(frameBytes(truth, t), frameBytes(prediction, t), C, mode),
    ),
    probe(t, x, y) {
      const p = pixelAt(prediction, t, x, y)
      const g = pixelAt(truth, t, x, y)
      const d = p.map((v, c) => v - g[c]!)
      return mode === 'abs'
        ? d.map(Math.abs).join(', ')
        : d.map((v) => (v > 0 ? `+${v}` : `${v}`)).join(', ')
    },
  }
}

/**
 * The player's rows: the truth over the predicted frames, then per run its prediction and the
 * chosen heat maps against the truth. All clips must share the truth's frame count and size.
 */
export function buildPlayerRows(
  truth: Clip,
  predictions: { id: string; label: string; clip: Clip }[],
  heat: HeatMapChoice,
): PlayerRow[] {
  const rows: PlayerRow[] = [
    { id: 'truth', label: 'Ground truth', panes: [clipPane('truth', 'Ground truth', truth)] },
  ]
  for (const p of predictions) {
    const panes = [clipPane(p.id, p.label, p.clip)]
    if (heat.abs) panes.push(differencePane(`${p.id}-abs`, '|error|', truth, p.clip, 'abs'))
    if (heat.signed)
      panes.push(differencePane(`${p.id}-signed`, 'prediction − truth', truth, p.clip, 'signed'))
    rows.push({ id: p.id, label: p.label, panes })
  }
  return rows
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
