import { HEAT_LABELS, paneRgba, type ComparisonPane, type ComparisonRow } from './comparison-rows'
import type { RgbaImage } from './frame-grid'
import { frameToRgba, type Clip } from './frames'
import { barColour, colourBar, type HeatMode } from './heatmap'
import { escapeXml } from './xml-text'

/**
 * The publication figure: frames across, the truth and each model's prediction down the rows
 * (each with its heat-map rows beneath), the context frames before t+1 in the truth's row. Vector
 * text in a sans-serif family, so labels stay editable in Inkscape or Illustrator and sharp in
 * LaTeX; frames are PNG data URIs drawn pixelated, so zoomed pixels stay square.
 */

export interface FigureOptions {
  /** Integer magnification of every frame, as the player's zoom. */
  zoom: number
  /** Every k-th frame: lead times t+k, t+2k, … and context frames t, t−k, t−2k, … */
  every: number
  /** The context frames every model saw (the truth's first frames), or null to leave them out. */
  inputs: Clip | null
}

/** PNG bytes of an RGBA image as a `data:image/png;base64,` URI (a canvas, or pngjs in Node). */
export type PngDataUri = (image: RgbaImage) => string

export interface Figure {
  svg: string
  /** The SVG's size in px, as its width, height and viewBox say. */
  width: number
  height: number
}

const MARGIN = 8
const TILE_GAP = 2
/** Before each model's rows, so the truth and every model read as groups. */
const GROUP_GAP = 8
/** Between t and t+1: what the models saw, then what they predicted. */
const CONTEXT_GAP = 8
const LABEL_GAP = 8
/**
 * An upper bound of a sans-serif character's advance, in font sizes (Helvetica and Arial average
 * about 0.45 over lowercase text): the SVG is laid out before any font measures it, so labels get room to spare.
 */
const EM_ADVANCE = 0.55
const BAR_HEIGHT = 10
const INK = '#222222'
const DIM_INK = '#666666'
/** Samples of each ramp for its gradient: both ramps are linear between stops this hits. */
const GRADIENT_STOPS = 9

/** Which frames the figure shows: indices into the context clip and into the predictions. */
export function figureColumns(
  inputFrames: number,
  frameCount: number,
  every: number,
): { context: number[]; leads: number[] } {
  const k = Math.min(Math.max(1, Math.floor(every)), Math.max(1, frameCount))
  const context: number[] = []
  for (let i = inputFrames - 1; i >= 0; i -= k) context.unshift(i)
  const leads: number[] = []
  for (let t = k - 1; t < frameCount; t += k) leads.push(t)
  return { context, leads }
}

interface FigureRow {
  label: string
  /** A heat map under its model's row: labelled in grey. */
  heatMap: boolean
  startsGroup: boolean
  pane: ComparisonPane
}

function figureRows(rows: ComparisonRow[]): FigureRow[] {
  return rows.flatMap((row) =>
    row.panes.map((pane, i) => ({
      label: pane.kind === 'difference' ? HEAT_LABELS[pane.heat] : row.label,
      heatMap: pane.kind === 'difference',
      startsGroup: i === 0,
      pane,
    })),
  )
}

const clipOf = (pane: ComparisonPane) => (pane.kind === 'clip' ? pane.clip : pane.prediction)
const textWidth = (text: string, fontSize: number) => text.length * fontSize * EM_ADVANCE
const hex = (rgb: readonly number[]) =>
  `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`

function headerOf(offsetFromT: number): string {
  if (offsetFromT === 0) return 't'
  return offsetFromT > 0 ? `t+${offsetFromT}` : `t−${-offsetFromT}`
}

/**
 * The figure of a comparison's rows (`comparisonRows`: the truth first), as standalone SVG. The
 * context frames, when given, fill the first row's columns before t+1.
 */
export function figureSvg(
  rows: ComparisonRow[],
  options: FigureOptions,
  pngDataUri: PngDataUri,
): Figure {
  const lines = figureRows(rows)
  const first = lines[0]
  if (!first) throw new Error('figure: no rows to draw')
  const [frameCount, H, W] = clipOf(first.pane).shape
  const inputs = options.inputs
  const { context, leads } = figureColumns(inputs?.shape[0] ?? 0, frameCount, options.every)
  const zoom = Math.max(1, Math.floor(options.zoom))
  const cellW = W * zoom
  const cellH = H * zoom
  const fontSize = Math.min(14, Math.max(10, Math.round(Math.min(cellW, cellH) * 0.2)))

  // Names whole, however long: a figure's labels are for the reader to edit, not to guess.
  const labels = lines.map((line) => line.label)
  const labelW = Math.ceil(Math.max(...labels.map((l) => textWidth(l, fontSize))))
  const gridX = MARGIN + labelW + LABEL_GAP
  const leadX =
    gridX + (context.length ? context.length * (cellW + TILE_GAP) - TILE_GAP + CONTEXT_GAP : 0)
  const columnX = (j: number) => leadX + j * (cellW + TILE_GAP)
  const gridRight = leads.length ? columnX(leads.length) - TILE_GAP : leadX
  const gridY = MARGIN + Math.round(fontSize * 1.6)
  let y = gridY
  const rowY = lines.map((line, i) => {
    if (i > 0) y += cellH + (line.startsGroup ? GROUP_GAP : TILE_GAP)
    return y
  })
  const gridBottom = y + cellH

  const parts: string[] = []
  const text = (x: number, baseline: number, content: string, attributes = '') =>
    parts.push(`<text x="${x}" y="${baseline}"${attributes}>${escapeXml(content)}</text>`)
  const image = (x: number, top: number, rgba: Uint8ClampedArray<ArrayBuffer>) =>
    parts.push(
      `<image x="${x}" y="${top}" width="${cellW}" height="${cellH}" preserveAspectRatio="none" ` +
        `image-rendering="optimizeSpeed" style="image-rendering:pixelated" ` +
        `xlink:href="${pngDataUri({ width: W, height: H, data: rgba })}"/>`,
    )

  // Column headers: t−k … t over the context, t+1 … over the predictions.
  const headerBaseline = MARGIN + fontSize
  const header = (x: number, label: string) =>
    text(x + cellW / 2, headerBaseline, label, ` text-anchor="middle" fill="${INK}"`)
  const inputCount = inputs?.shape[0] ?? 0
  context.forEach((i, c) => header(gridX + c * (cellW + TILE_GAP), headerOf(i - (inputCount - 1))))
  leads.forEach((t, j) => header(columnX(j), headerOf(t + 1)))

  lines.forEach((line, i) => {
    const top = rowY[i]!
    parts.push(`<g>`)
    text(
      gridX - LABEL_GAP,
      Math.round(top + cellH / 2 + fontSize * 0.35),
      labels[i]!,
      ` text-anchor="end" fill="${line.heatMap ? DIM_INK : INK}"`,
    )
    if (i === 0 && inputs) {
      context.forEach((k, c) => image(gridX + c * (cellW + TILE_GAP), top, frameToRgba(inputs, k)))
    }
    leads.forEach((t, j) => image(columnX(j), top, paneRgba(line.pane, t)))
    parts.push(`</g>`)
  })

  // One colour bar per heat-map mode shown, under the frames.
  const modes = (['abs', 'signed'] as const).filter((mode) =>
    lines.some((l) => l.pane.kind === 'difference' && l.pane.heat === mode),
  )
  const defs: string[] = []
  let bottom = gridBottom
  let barsRight = 0
  for (const mode of modes) {
    const bar = colourBar(mode)
    const longestTick = Math.max(...bar.ticks.map((t) => textWidth(t.label, fontSize)))
    // Tick labels centred under their values, apart from their neighbours; the bar is inset by
    // half a label, so the first label starts where the frames do.
    const barX = gridX + Math.ceil(longestTick / 2)
    const barW = Math.max(160, Math.ceil((bar.ticks.length - 1) * (longestTick + 8)))
    const top = bottom + 12
    text(gridX, top + fontSize, bar.title, ` fill="${DIM_INK}"`)
    const barY = top + Math.round(fontSize * 1.4)
    defs.push(gradient(mode))
    parts.push(
      `<rect x="${barX}" y="${barY}" width="${barW}" height="${BAR_HEIGHT}" ` +
        `fill="url(#figure-ramp-${mode})" stroke="${DIM_INK}" stroke-width="0.5"/>`,
    )
    for (const tick of bar.ticks) {
      const x = Math.round((barX + tick.at * barW) * 10) / 10
      text(
        x,
        barY + BAR_HEIGHT + 4 + fontSize,
        tick.label,
        ` text-anchor="middle" fill="${DIM_INK}"`,
      )
    }
    bottom = barY + BAR_HEIGHT + 4 + fontSize
    barsRight = Math.max(barsRight, barX + barW + Math.ceil(longestTick / 2))
  }
  const width = Math.max(gridRight, barsRight) + MARGIN
  const height = bottom + MARGIN
  const names = rows.slice(1).map((r) => r.label)
  return {
    width,
    height,
    svg:
      `<?xml version="1.0" encoding="UTF-8"?>\n` +
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" ` +
      `width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="Helvetica, Arial, sans-serif" font-size="${fontSize}" role="img" ` +
      `aria-label="${escapeXml(`Predictions of ${names.join(', ') || 'no model'} against the ground truth`)}">` +
      (defs.length ? `<defs>${defs.join('')}</defs>` : '') +
      `<rect width="${width}" height="${height}" fill="#ffffff"/>` +
      parts.join('') +
      `</svg>\n`,
  }
}

/** A heat-map mode's ramp as an SVG gradient, left = low. */
function gradient(mode: HeatMode): string {
  const stops = Array.from({ length: GRADIENT_STOPS }, (_, i) => {
    const at = i / (GRADIENT_STOPS - 1)
    return `<stop offset="${at}" stop-color="${hex(barColour(mode, at))}"/>`
  })
  return `<linearGradient id="figure-ramp-${mode}" x1="0" x2="1" y1="0" y2="0">${stops.join('')}</linearGradient>`
}
