import { escapeXml } from '../media/xml-text'

/**
 * A small line chart as standalone SVG, for model cards: per-frame curves of a few series.
 * Cards must open anywhere (a Markdown viewer, a browser, a paper draft) without scripts,
 * so the chart is plain SVG text rather than a charting library's canvas.
 */
export interface CurveSeries {
  label: string
  values: (number | null)[]
}

const COLORS = ['#2458d6', '#d65a24', '#1f7a3f', '#8a2be2', '#b42318', '#0f766e']
const W = 480
const H = 240
const PAD = { left: 56, right: 16, top: 28, bottom: 36 }

export function renderCurveSvg(
  title: string,
  series: CurveSeries[],
  xLabel = 'frame ahead',
): string {
  const values = series
    .flatMap((s) => s.values)
    .filter((v): v is number => v !== null && Number.isFinite(v))
  const n = Math.max(1, ...series.map((s) => s.values.length))
  const lo = values.length ? Math.min(...values) : 0
  const hi = values.length ? Math.max(...values) : 1
  const span = hi - lo || Math.abs(hi) || 1
  const x = (j: number) => PAD.left + (n === 1 ? 0 : (j / (n - 1)) * (W - PAD.left - PAD.right))
  const y = (v: number) => PAD.top + (1 - (v - lo) / span) * (H - PAD.top - PAD.bottom)
  const lines = series.map((s, i) => {
    const points = s.values
      .map((v, j) =>
        v === null || !Number.isFinite(v) ? null : `${x(j).toFixed(1)},${y(v).toFixed(1)}`,
      )
      .filter((p) => p !== null)
      .join(' ')
    const color = COLORS[i % COLORS.length]
    return (
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>` +
      `<text x="${W - PAD.right}" y="${PAD.top + 14 * i + 4}" text-anchor="end" fill="${color}" font-size="11">${escapeXml(s.label)}</text>`
    )
  })
  const ticks = Array.from(
    { length: n },
    (_, j) =>
      `<text x="${x(j).toFixed(1)}" y="${H - PAD.bottom + 14}" text-anchor="middle" font-size="10">${j + 1}</text>`,
  )
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#999"/>`,
    `<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#999"/>`,
    `<text x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end" font-size="10">${formatTick(hi)}</text>`,
    `<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end" font-size="10">${formatTick(lo)}</text>`,
    `<text x="${(W + PAD.left) / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeXml(xLabel)}</text>`,
    ...ticks,
    ...lines,
    '</svg>',
  ].join('')
}

function formatTick(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(4)
}
