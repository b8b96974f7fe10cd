import type { ClipFrames } from '../api/contract/datasets'
import { decodeClip, frameBytes, frameToRgba, sliceClip, type Clip } from './frames'
import { differenceRgba, type HeatMode } from './heatmap'

/** One image of a comparison: a clip as it is, or a heat map of a prediction against the truth. */
export type ComparisonPane =
  | { id: string; label: string; kind: 'clip'; clip: Clip }
  | {
      id: string
      label: string
      kind: 'difference'
      heat: HeatMode
      truth: Clip
      prediction: Clip
    }

/** The truth, or one run's prediction with the heat maps chosen beside it. */
export interface ComparisonRow {
  id: string
  label: string
  panes: ComparisonPane[]
}

export interface HeatMapChoice {
  abs: boolean
  signed: boolean
}

/** Pane captions of the heat maps, on screen and in exports. */
export const HEAT_LABELS: Record<HeatMode, string> = {
  abs: '|error|',
  signed: 'prediction − truth',
}

/**
 * What a comparison shows: the truth over the predicted frames, then per run its prediction and
 * the chosen heat maps. The player and every export (GIF, PNG, MP4) lay out these rows, so they
 * show the same images. All clips share the truth's frame count and size.
 */
export function comparisonRows(
  truth: Clip,
  predictions: { id: string; label: string; clip: Clip }[],
  heat: HeatMapChoice,
): ComparisonRow[] {
  const rows: ComparisonRow[] = [
    {
      id: 'truth',
      label: 'Ground truth',
      panes: [{ id: 'truth', label: 'Ground truth', kind: 'clip', clip: truth }],
    },
  ]
  for (const p of predictions) {
    const panes: ComparisonPane[] = [{ id: p.id, label: p.label, kind: 'clip', clip: p.clip }]
    for (const mode of ['abs', 'signed'] as const) {
      if (!heat[mode]) continue
      panes.push({
        id: `${p.id}-${mode}`,
        label: HEAT_LABELS[mode],
        kind: 'difference',
        heat: mode,
        truth,
        prediction: p.clip,
      })
    }
    rows.push({ id: p.id, label: p.label, panes })
  }
  return rows
}

/** Frame t of a pane as RGBA. */
export function paneRgba(pane: ComparisonPane, t: number): Uint8ClampedArray<ArrayBuffer> {
  if (pane.kind === 'clip') return frameToRgba(pane.clip, t)
  const channels = pane.prediction.shape[3]
  return differenceRgba(
    frameBytes(pane.truth, t),
    frameBytes(pane.prediction, t),
    channels,
    pane.heat,
  )
}

/** The truth and predictions of one test clip, cut to the frames they share. */
export interface AlignedComparison {
  /** The truth over the predicted frames (from inputFrames on), aligned with the predictions. */
  truth: Clip
  /** Frames before the first prediction: what the models saw. */
  inputFrames: number
  /** The truth's first inputFrames frames: the context every model was given. */
  inputs: Clip
  /** Runs saw different numbers of input frames: the truth lines up with the first run. */
  mixedInputFrames: boolean
  /** Each prediction cut to the frames every run predicted, in the order given. */
  predictions: Clip[]
}

/** Lines the predictions of one clip up with its truth (the player and exports share this). */
export function alignComparison(
  truthFrames: ClipFrames,
  predictionFrames: (ClipFrames & { inputFrames: number })[],
): AlignedComparison {
  const truth = decodeClip(truthFrames)
  const decoded = predictionFrames.map((p) => decodeClip(p))
  const inputFrames = predictionFrames[0]?.inputFrames ?? 0
  const count = Math.min(truth.shape[0] - inputFrames, ...decoded.map((c) => c.shape[0]))
  return {
    truth: sliceClip(truth, inputFrames, count),
    inputFrames,
    inputs: sliceClip(truth, 0, inputFrames),
    mixedInputFrames: predictionFrames.some((p) => p.inputFrames !== inputFrames),
    predictions: decoded.map((c) => sliceClip(c, 0, count)),
  }
}
