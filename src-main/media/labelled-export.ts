import { drawText, fillRect, fitText, GLYPH_ADVANCE, GLYPH_HEIGHT, textWidth } from './bitmap-font'
import { paneRgba, type ComparisonRow } from './comparison-rows'
import { composeGrid, type RgbaImage } from './frame-grid'
import { barColour, colourBar, type HeatMode } from './heatmap'

const GAP = 4
const MARGIN = 8
const BACKGROUND: [number, number, number] = [24, 26, 30]
const INK: [number, number, number] = [232, 234, 238]
const DIM_INK: [number, number, number] = [160, 166, 176]
/** The longest row label kept whole, in characters; longer names end in "...". */
const LABEL_CHARS = 28

export interface ExportOptions {
  /** Integer magnification of every frame, as the player's zoom. */
  zoom: number
  /** Frames each model saw before its first prediction: t+1 is clip frame inputFrames + 1. */
  inputFrames: number
}

/** Layout sizes shared by both exports: frames, the text scale and the row-label column. */
function measure(rows: ComparisonRow[], zoom: number, labels: string[]) {
  const first = rows[0]?.panes[0]
  const [, H, W] = first ? (first.kind === 'clip' ? first.clip : first.prediction).shape : [0, 1, 1]
  const tile = { tileWidth: W, tileHeight: H, scale: zoom, gap: 0, background: BACKGROUND }
  // Text twice the font's size where frames are large enough to carry it.
  const scale = W * zoom >= 64 ? 2 : 1
  const longest = Math.max(...labels.map((l) => textWidth(l, scale)))
  return {
    tile,
    cellW: W * zoom,
    cellH: H * zoom,
    scale,
    line: GLYPH_HEIGHT * scale,
    labelW: Math.min(longest, textWidth('x'.repeat(LABEL_CHARS), scale)),
  }
}

function heatModesOf(rows: ComparisonRow[]): HeatMode[] {
  const shown = new Set(
    rows.flatMap((r) => r.panes.map((p) => (p.kind === 'difference' ? p.heat : undefined))),
  )
  return (['abs', 'signed'] as const).filter((m) => shown.has(m))
}

const BAR_WIDTH = 128

/** Height of the colour bars' block: per bar a title, the ramp and its tick labels. */
function colourBarsHeight(modes: HeatMode[], scale: number): number {
  return modes.length ? MARGIN + modes.length * (GLYPH_HEIGHT * scale * 2 + 8 * scale + GAP * 2) : 0
}

/** Each heat map's colour bar, with its title and tick values, from (x, y) down. */
function drawColourBars(image: RgbaImage, modes: HeatMode[], x: number, y: number, scale: number) {
  const line = GLYPH_HEIGHT * scale
  const width = BAR_WIDTH * scale
  let top = y + MARGIN
  for (const mode of modes) {
    const bar = colourBar(mode)
    drawText(image, x, top, bar.title, DIM_INK, scale)
    top += line
    for (let i = 0; i < width; i++) {
      const at = i / (width - 1)
      fillRect(image, x + i, top, 1, 6 * scale, barColour(mode, at))
    }
    top += 8 * scale
    // The end ticks always; a middle one only where it touches neither neighbour (at scale 2,
    // ±128 crowd ±255).
    const placed = bar.ticks.map((tick) => {
      const w = textWidth(tick.label, scale)
      const tx = Math.round(x + tick.at * (width - 1) - w / 2)
      return { label: tick.label, x: Math.min(Math.max(x, tx), x + width - w), w }
    })
    const space = GLYPH_ADVANCE * scale
    const last = placed[placed.length - 1]!
    let free = x
    placed.forEach((tick, i) => {
      const end = i === placed.length - 1
      if (!end && (tick.x < free || tick.x + tick.w + space > last.x)) return
      drawText(image, tick.x, top, tick.label, DIM_INK, scale)
      free = tick.x + tick.w + space
    })
    top += line + GAP * 2
  }
}

function blankImage(width: number, height: number): RgbaImage {
  const image: RgbaImage = { width, height, data: new Uint8ClampedArray(width * height * 4) }
  fillRect(image, 0, 0, width, height, BACKGROUND)
  return image
}

/** Copies `part` into `image` at (x, y). */
function blit(image: RgbaImage, part: RgbaImage, x: number, y: number) {
  for (let row = 0; row < part.height; row++) {
    const from = row * part.width * 4
    image.data.set(
      part.data.subarray(from, from + part.width * 4),
      ((y + row) * image.width + x) * 4,
    )
  }
}

/**
 * The player as an animation, one image per predicted frame: the frame index ("t+3 / 10 · clip
 * frame 13") on top, each row's label (the run's name) on its left, each pane's caption over
 * it, and the heat maps' colour bars with their scales below. GIF and MP4 exports draw these.
 */
export function labelledPlayerFrames(
  rows: ComparisonRow[],
  frameCount: number,
  options: ExportOptions,
): RgbaImage[] {
  const { tile, cellW, cellH, scale, line, labelW } = measure(
    rows,
    options.zoom,
    rows.map((r) => r.label),
  )
  const columns = Math.max(...rows.map((r) => r.panes.length))
  const modes = heatModesOf(rows)
  const gridX = MARGIN + labelW + GAP * 2
  const gridY = MARGIN + line + GAP
  const rowH = line + cellH + GAP * 2
  const width = Math.max(gridX + columns * (cellW + GAP) + MARGIN, MARGIN * 2 + BAR_WIDTH * scale)
  const height = gridY + rows.length * rowH + colourBarsHeight(modes, scale) + MARGIN
  return Array.from({ length: frameCount }, (_, t) => {
    const image = blankImage(width, height)
    drawText(image, MARGIN, MARGIN, frameTitle(t, frameCount, options.inputFrames), INK, scale)
    rows.forEach((row, ri) => {
      const y = gridY + ri * rowH
      drawText(image, MARGIN, y + line + GAP, fitText(row.label, labelW, scale), INK, scale)
      row.panes.forEach((pane, ci) => {
        const x = gridX + ci * (cellW + GAP)
        if (ci > 0) drawCaption(image, x, y, pane.label, cellW, scale)
        blit(image, composeGrid([[paneRgba(pane, t)]], tile), x, y + line + GAP)
      })
    })
    drawColourBars(image, modes, MARGIN, gridY + rows.length * rowH, scale)
    return image
  })
}

/**
 * Every pane down, its frames across, the strip papers print: "t+k" over each column, the run's
 * name (and the heat map's) left of each row, the colour bars with their scales below.
 */
export function labelledPlayerStrip(
  rows: ComparisonRow[],
  frameCount: number,
  options: ExportOptions,
): RgbaImage {
  // A heat map's row follows its run's, so its own caption, indented, says whose it is.
  const panes = rows.flatMap((row) =>
    row.panes.map((pane, i) => ({ pane, label: i === 0 ? row.label : `  ${pane.label}` })),
  )
  const { tile, cellW, cellH, scale, line, labelW } = measure(
    rows,
    options.zoom,
    panes.map((p) => p.label),
  )
  const modes = heatModesOf(rows)
  const gridX = MARGIN + labelW + GAP * 2
  const gridY = MARGIN + line * 2 + GAP * 2
  const width = Math.max(
    gridX + frameCount * (cellW + GAP) + MARGIN,
    MARGIN * 2 + BAR_WIDTH * scale,
  )
  const height = gridY + panes.length * (cellH + GAP) + colourBarsHeight(modes, scale) + MARGIN
  const image = blankImage(width, height)
  drawText(
    image,
    MARGIN,
    MARGIN,
    `${options.inputFrames} input frames, then predictions`,
    DIM_INK,
    scale,
  )
  for (let t = 0; t < frameCount; t++) {
    drawText(
      image,
      gridX + t * (cellW + GAP),
      MARGIN + line + GAP,
      fitText(`t+${t + 1}`, cellW, scale),
      INK,
      scale,
    )
  }
  const grid = composeGrid(
    panes.map(({ pane }) => Array.from({ length: frameCount }, (_, t) => paneRgba(pane, t))),
    { ...tile, gap: GAP },
  )
  blit(image, grid, gridX, gridY)
  panes.forEach(({ label }, i) => {
    const y = gridY + i * (cellH + GAP) + Math.max(0, Math.floor((cellH - line) / 2))
    drawText(image, MARGIN, y, fitText(label, labelW, scale), INK, scale)
  })
  drawColourBars(image, modes, MARGIN, gridY + panes.length * (cellH + GAP), scale)
  return image
}

/** A pane's caption over it: at the labels' size where it fits, else smaller, else cut. */
function drawCaption(
  image: RgbaImage,
  x: number,
  y: number,
  text: string,
  width: number,
  scale: number,
) {
  const fits = textWidth(text, scale) <= width ? scale : 1
  drawText(image, x, y + GLYPH_HEIGHT * (scale - fits), fitText(text, width, fits), DIM_INK, fits)
}

function frameTitle(t: number, frameCount: number, inputFrames: number): string {
  return `t+${t + 1} / ${frameCount} - clip frame ${inputFrames + t + 1}`
}
