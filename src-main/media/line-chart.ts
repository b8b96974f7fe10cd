import { drawText, fillRect, GLYPH_HEIGHT, textWidth } from './bitmap-font'
import type { RgbaImage } from './frame-grid'
import { escapeXml } from './xml-text'

/**
 * A study's line charts (per-frame scores, gate usage, memory magnitude), drawn twice from one
 * layout: as standalone SVG (fonts and colours inline, for a paper or a browser) and as RGBA
 * pixels for PNG (for editors and slides that take no SVG). One layout, so the two agree.
 */

/** A point estimate with its 95 % interval, either bound null where there is none. */
export interface ChartPoint {
  estimate: number | null
  low: number | null
  high: number | null
}

export interface ChartSeries {
  label: string
  points: ChartPoint[]
}

export interface LineChart {
  title: string
  /** What the chart shows, for screen readers (the SVG's aria-label). */
  description: string
  /** One per x position, left to right. */
  xLabels: string[]
  series: ChartSeries[]
  /** Decimals of the y-axis ticks. */
  yDigits: number
  /** Positions from this index on lie past the trained horizon: shaded and captioned. */
  beyondFrom?: number | null
  /** A log10 y axis, for magnitudes that span decades; non-positive values are left out. */
  logY?: boolean
}

/**
 * Arm names as the 5×7 font can print them: their arrows and Greek letters spelled out (the
 * font prints any other character outside ASCII as "?"). SVG keeps the names as they are.
 */
export function bitmapLabel(text: string): string {
  return text.replace(/←/g, '<-').replace(/λ/g, 'lambda').replace(/·/g, '-')
}

/** Colour-blind-safe (Okabe–Ito), in series order. */
export const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#d55e00',
  '#cc79a7',
  '#56b4e9',
  '#f0e442',
  '#000000',
]

const WIDTH = 640
const HEIGHT = 360
const PAD = { left: 64, right: 16, top: 28, bottom: 44 }
const LEGEND_LINE = 18
const BEYOND_FILL = '#f2f2f2'

const colourOf = (index: number) => PALETTE[index % PALETTE.length]!

/** Positions of everything, shared by both renderers (SVG units = PNG pixels / scale). */
function layout(chart: LineChart) {
  const frames = Math.max(1, chart.xLabels.length)
  const transform = (v: number) => (chart.logY ? Math.log10(v) : v)
  const usable = (v: number | null): v is number =>
    v !== null && Number.isFinite(v) && (!chart.logY || v > 0)
  const values = chart.series
    .flatMap((s) => s.points.flatMap((p) => [p.estimate, p.low, p.high]))
    .filter(usable)
    .map(transform)
  const lo = values.length ? Math.min(...values) : 0
  const hi = values.length ? Math.max(...values) : 1
  const span = hi - lo || Math.abs(hi) || 1
  const yMin = lo - 0.05 * span
  const yMax = hi + 0.05 * span
  const plotHeight = HEIGHT - PAD.top - PAD.bottom
  const x = (j: number) =>
    PAD.left + (frames === 1 ? 0.5 : j / (frames - 1)) * (WIDTH - PAD.left - PAD.right)
  const y = (v: number) => PAD.top + (1 - (transform(v) - yMin) / (yMax - yMin)) * plotHeight
  const ticks = Array.from({ length: 5 }, (_, k) => {
    const t = yMin + ((yMax - yMin) * k) / 4
    const value = chart.logY ? 10 ** t : t
    return {
      y: PAD.top + (1 - k / 4) * plotHeight,
      label: chart.logY ? value.toPrecision(2) : value.toFixed(chart.yDigits),
    }
  })
  const beyond =
    chart.beyondFrom !== null && chart.beyondFrom !== undefined && chart.beyondFrom < frames
      ? {
          from:
            chart.beyondFrom === 0 ? PAD.left : (x(chart.beyondFrom - 1) + x(chart.beyondFrom)) / 2,
        }
      : null
  const lines = chart.series.map((s) => ({
    band:
      s.points.length > 0 && s.points.every((p) => usable(p.low) && usable(p.high))
        ? {
            upper: s.points.map((p, j) => [x(j), y(p.high!)] as const),
            lower: s.points.map((p, j) => [x(j), y(p.low!)] as const),
          }
        : null,
    segments: segmentsOf(
      s.points.map((p, j) => (usable(p.estimate) ? ([x(j), y(p.estimate)] as const) : null)),
    ),
  }))
  return {
    width: WIDTH,
    height: HEIGHT + LEGEND_LINE * chart.series.length + 8,
    plot: { left: PAD.left, right: WIDTH - PAD.right, top: PAD.top, bottom: HEIGHT - PAD.bottom },
    xTicks: chart.xLabels.map((label, j) => ({ x: x(j), label })),
    ticks,
    beyond,
    lines,
    legendTop: (i: number) => HEIGHT + 6 + LEGEND_LINE * i,
  }
}

/** Runs of consecutive points: a missing one breaks the line. */
function segmentsOf(points: (readonly [number, number] | null)[]) {
  const runs: (readonly [number, number])[][] = [[]]
  for (const p of points) {
    if (p) runs.at(-1)!.push(p)
    else runs.push([])
  }
  return runs.filter((run) => run.length > 0)
}

const xy = ([px, py]: readonly [number, number]) => `${px.toFixed(1)},${py.toFixed(1)}`

export function lineChartSvg(chart: LineChart): string {
  const l = layout(chart)
  const parts: string[] = []
  if (l.beyond) {
    parts.push(
      `<rect x="${l.beyond.from.toFixed(1)}" y="${l.plot.top}" width="${(l.plot.right - l.beyond.from).toFixed(1)}" height="${l.plot.bottom - l.plot.top}" fill="${BEYOND_FILL}"/>`,
      `<text x="${(l.beyond.from + 4).toFixed(1)}" y="${l.plot.top + 12}" fill="#666">beyond training</text>`,
    )
  }
  for (const tick of l.ticks) {
    parts.push(
      `<line x1="${l.plot.left}" x2="${l.plot.right}" y1="${tick.y.toFixed(1)}" y2="${tick.y.toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${l.plot.left - 6}" y="${(tick.y + 4).toFixed(1)}" text-anchor="end">${tick.label}</text>`,
    )
  }
  for (const tick of l.xTicks) {
    parts.push(
      `<text x="${tick.x.toFixed(1)}" y="${l.plot.bottom + 16}" text-anchor="middle">${escapeXml(tick.label)}</text>`,
    )
  }
  l.lines.forEach((line, i) => {
    if (line.band) {
      const outline = [...line.band.upper, ...[...line.band.lower].reverse()].map(xy)
      parts.push(
        `<polygon points="${outline.join(' ')}" fill="${colourOf(i)}" fill-opacity="0.15" stroke="none"/>`,
      )
    }
    for (const segment of line.segments) {
      parts.push(
        `<polyline points="${segment.map(xy).join(' ')}" fill="none" stroke="${colourOf(i)}" stroke-width="2"/>`,
      )
    }
  })
  const legend = chart.series.map((s, i) => {
    const top = l.legendTop(i)
    return (
      `<rect x="${l.plot.left}" y="${top}" width="14" height="10" fill="${colourOf(i)}"/>` +
      `<text x="${l.plot.left + 20}" y="${top + 9}">${escapeXml(s.label)}</text>`
    )
  })
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" ` +
    `viewBox="0 0 ${l.width} ${l.height}" font-family="sans-serif" font-size="11" role="img" ` +
    `aria-label="${escapeXml(chart.description)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${l.plot.left}" y="16" font-size="13" font-weight="600">${escapeXml(chart.title)}</text>` +
    parts.join('') +
    legend.join('') +
    `</svg>`
  )
}

type Rgb = readonly [number, number, number]
const rgb = (hex: string): Rgb =>
  [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as unknown as Rgb

/** Mixes `colour` into a pixel at `alpha`, so overlapping bands show through each other. */
function blend(image: RgbaImage, px: number, py: number, colour: Rgb, alpha: number) {
  if (px < 0 || py < 0 || px >= image.width || py >= image.height) return
  const p = (py * image.width + px) * 4
  for (let c = 0; c < 3; c++)
    image.data[p + c] = image.data[p + c]! * (1 - alpha) + colour[c]! * alpha
}

/** A 2-unit-wide line, stamped along the segment. */
function strokeSegment(
  image: RgbaImage,
  [x0, y0]: readonly [number, number],
  [x1, y1]: readonly [number, number],
  colour: Rgb,
  scale: number,
) {
  const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * scale * 2))
  for (let k = 0; k <= steps; k++) {
    const px = (x0 + ((x1 - x0) * k) / steps) * scale
    const py = (y0 + ((y1 - y0) * k) / steps) * scale
    fillRect(image, Math.round(px - scale), Math.round(py - scale), 2 * scale, 2 * scale, colour)
  }
}

/**
 * The chart as RGBA pixels at `scale` pixels per SVG unit (2: 1 280 pixels wide, sharp in
 * print), in the bitmap font: what a PNG encoder takes.
 */
export function lineChartRgba(chart: LineChart, scale = 2): RgbaImage {
  const l = layout(chart)
  const image: RgbaImage = {
    width: l.width * scale,
    height: l.height * scale,
    data: new Uint8ClampedArray(l.width * scale * l.height * scale * 4).fill(255),
  }
  const s = (v: number) => Math.round(v * scale)
  const ink: Rgb = [34, 34, 34]
  const grey: Rgb = [102, 102, 102]
  const text = (
    x: number,
    y: number,
    label: string,
    colour: Rgb,
    anchor: 'start' | 'middle' | 'end',
  ) => {
    const printed = bitmapLabel(label)
    const w = textWidth(printed, scale)
    const left = anchor === 'start' ? s(x) : anchor === 'middle' ? s(x) - w / 2 : s(x) - w
    drawText(image, Math.round(left), s(y) - GLYPH_HEIGHT * scale + scale, printed, colour, scale)
  }
  if (l.beyond) {
    fillRect(
      image,
      s(l.beyond.from),
      s(l.plot.top),
      s(l.plot.right - l.beyond.from),
      s(l.plot.bottom - l.plot.top),
      rgb(BEYOND_FILL),
    )
    text(l.beyond.from + 4, l.plot.top + 12, 'beyond training', grey, 'start')
  }
  for (const tick of l.ticks) {
    fillRect(
      image,
      s(l.plot.left),
      s(tick.y),
      s(l.plot.right - l.plot.left),
      Math.max(1, scale / 2),
      [221, 221, 221],
    )
    text(l.plot.left - 6, tick.y + 4, tick.label, ink, 'end')
  }
  for (const tick of l.xTicks) text(tick.x, l.plot.bottom + 16, tick.label, ink, 'middle')
  l.lines.forEach((line, i) => {
    const colour = rgb(colourOf(i))
    if (line.band) {
      const { upper, lower } = line.band
      for (let j = 1; j < upper.length; j++) {
        const [xa, ua] = upper[j - 1]!
        const [xb, ub] = upper[j]!
        const la = lower[j - 1]![1]
        const lb = lower[j]![1]
        for (let px = s(xa); px < s(xb); px++) {
          const f = (px / scale - xa) / (xb - xa)
          const top = s(ua + (ub - ua) * f)
          const bottom = s(la + (lb - la) * f)
          for (let py = Math.min(top, bottom); py <= Math.max(top, bottom); py++) {
            blend(image, px, py, colour, 0.15)
          }
        }
      }
    }
    for (const segment of line.segments) {
      for (let j = 1; j < segment.length; j++)
        strokeSegment(image, segment[j - 1]!, segment[j]!, colour, scale)
      if (segment.length === 1) strokeSegment(image, segment[0]!, segment[0]!, colour, scale)
    }
  })
  text(l.plot.left, 16, chart.title, ink, 'start')
  chart.series.forEach((series, i) => {
    const top = l.legendTop(i)
    fillRect(image, s(l.plot.left), s(top), s(14), s(10), rgb(colourOf(i)))
    text(l.plot.left + 20, top + 9, series.label, ink, 'start')
  })
  return image
}
