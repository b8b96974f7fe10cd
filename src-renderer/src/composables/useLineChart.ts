import {
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type Chart as ChartInstance,
  type ChartDataset,
  type Plugin,
} from 'chart.js'
import { onMounted, onScopeDispose, watch, type Ref } from 'vue'

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  CategoryScale,
  Legend,
  Tooltip,
)

export interface LineSeries {
  label: string
  points: [x: number, y: number | null][]
  /** Index into the shared palette, so a run keeps its colour across charts. */
  colour: number
  dashed?: boolean
  /** A 95 % interval per point, drawn as a band behind the line; null bounds leave a gap. */
  band?: [low: number | null, high: number | null][]
}

/** A region from x to the right edge, shaded and labelled: e.g. lead times past training. */
export interface ShadedRegion {
  fromX: number
  label: string
}

/** Okabe–Ito colours: told apart with colour-vision deficiencies and on light or dark panels. */
export const SERIES_COLOURS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#8c6bb1',
  '#999999',
]

export interface LineChartOptions {
  xLabel: string
  yLabel: string
  logY?: boolean
  /** Leave the legend out: the page shows one shared legend for several charts. */
  hideLegend?: boolean
  /** Called with the x value of a clicked point. */
  onPointClick?: (x: number) => void
  /** How ticks and tooltips name an x value ("t+3"); plain numbers without. */
  formatX?: (x: number) => string
  shaded?: ShadedRegion | null
}

function themeColour(name: string) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/** The y range the bands need: chart.js scales its axis to the lines alone. */
function bandExtent(series: LineSeries[]): { min?: number; max?: number } {
  const bounds = series.flatMap((s) => s.band ?? []).flat()
  const finite = bounds.filter((v): v is number => v !== null && Number.isFinite(v))
  return finite.length ? { min: Math.min(...finite), max: Math.max(...finite) } : {}
}

/**
 * Draws, under the lines, the shaded region and each visible series' band: one polygon per
 * run of points whose interval is known.
 */
function bandsAndRegion(series: () => LineSeries[], options: () => LineChartOptions): Plugin {
  return {
    id: 'bandsAndRegion',
    beforeDatasetsDraw(chart: ChartInstance) {
      const { ctx, chartArea: area, scales } = chart
      const x = scales.x!
      const y = scales.y!
      ctx.save()
      ctx.beginPath()
      ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top)
      ctx.clip()
      const shaded = options().shaded
      if (shaded) {
        const from = Math.max(area.left, x.getPixelForValue(shaded.fromX))
        ctx.fillStyle = themeColour('--border')
        ctx.globalAlpha = 0.45
        ctx.fillRect(from, area.top, area.right - from, area.bottom - area.top)
        ctx.globalAlpha = 1
        ctx.strokeStyle = themeColour('--muted')
        ctx.setLineDash([4, 3])
        ctx.beginPath()
        ctx.moveTo(from, area.top)
        ctx.lineTo(from, area.bottom)
        ctx.stroke()
        ctx.setLineDash([])
        ctx.fillStyle = themeColour('--muted')
        ctx.font = '11px system-ui, sans-serif'
        ctx.textBaseline = 'top'
        ctx.fillText(shaded.label, from + 4, area.top + 4)
      }
      series().forEach((s, i) => {
        if (!s.band || !chart.isDatasetVisible(i)) return
        ctx.fillStyle = SERIES_COLOURS[s.colour % SERIES_COLOURS.length]!
        ctx.globalAlpha = 0.15
        let run: [px: number, low: number, high: number][] = []
        const fill = () => {
          if (run.length > 1) {
            ctx.beginPath()
            run.forEach(([px, , high], k) => (k ? ctx.lineTo(px, high) : ctx.moveTo(px, high)))
            for (const [px, low] of [...run].reverse()) ctx.lineTo(px, low)
            ctx.closePath()
            ctx.fill()
          }
          run = []
        }
        s.points.forEach(([px], k) => {
          const [low, high] = s.band![k] ?? [null, null]
          if (low === null || high === null) return fill()
          run.push([x.getPixelForValue(px), y.getPixelForValue(low), y.getPixelForValue(high)])
        })
        fill()
        ctx.globalAlpha = 1
      })
      ctx.restore()
    },
  }
}

/**
 * A chart.js line chart on a canvas, redrawn when the series change and when the theme flips.
 * No animation: live series update several times a second.
 */
export function useLineChart(
  canvas: Ref<HTMLCanvasElement | null>,
  series: () => LineSeries[],
  options: () => LineChartOptions,
) {
  type Point = { x: number; y: number | null }
  let chart: Chart<'line', Point[]> | null = null

  function datasets(): ChartDataset<'line', Point[]>[] {
    return series().map((s) => {
      const colour = SERIES_COLOURS[s.colour % SERIES_COLOURS.length]!
      return {
        label: s.label,
        data: s.points.map(([x, y]) => ({ x, y })),
        borderColor: colour,
        backgroundColor: colour,
        borderDash: s.dashed ? [6, 4] : [],
        borderWidth: 2,
        pointRadius: s.points.length > 60 ? 0 : 3,
        pointHitRadius: 8,
        spanGaps: true,
      }
    })
  }

  function scales() {
    const text = themeColour('--muted')
    const grid = themeColour('--border')
    const { xLabel, yLabel, logY, formatX } = options()
    const axis = (label: string) => ({
      title: { display: true, text: label, color: text },
      ticks: { color: text },
      grid: { color: grid },
    })
    const bands = bandExtent(series())
    return {
      // Every x in the workbench counts something (iterations, frames): no fractional ticks.
      x: {
        type: 'linear' as const,
        ...axis(xLabel),
        ticks: {
          color: text,
          precision: 0,
          ...(formatX && { callback: (value: string | number) => formatX(Number(value)) }),
        },
      },
      y: {
        type: logY ? ('logarithmic' as const) : ('linear' as const),
        ...axis(yLabel),
        suggestedMin: bands.min,
        suggestedMax: bands.max,
      },
    }
  }

  onMounted(() => {
    if (!canvas.value) return
    const { formatX } = options()
    chart = new Chart<'line', Point[]>(canvas.value, {
      type: 'line',
      data: { datasets: datasets() },
      plugins: [
        // The plot's own height, apart from legend and axes, and how far its x axis reaches,
        // for tests and layout checks.
        {
          id: 'plotHeight',
          afterLayout: (c) => {
            c.canvas.dataset.plotHeight = String(Math.round(c.chartArea.height))
            c.canvas.dataset.xMax = String(c.scales.x?.max)
          },
        },
        bandsAndRegion(series, options),
      ],
      options: {
        animation: false,
        parsing: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          legend: {
            display: !options().hideLegend,
            labels: { color: themeColour('--text'), boxHeight: 2 },
          },
          ...(formatX && {
            tooltip: {
              callbacks: { title: (items) => formatX(items[0]?.parsed.x ?? Number.NaN) },
            },
          }),
        },
        scales: scales(),
        onClick(_event, elements) {
          const hit = elements[0]
          const point = hit && chart?.data.datasets[hit.datasetIndex]?.data[hit.index]
          if (point) options().onPointClick?.(point.x)
        },
      },
    })
  })

  watch(series, () => {
    if (!chart) return
    chart.data.datasets = datasets()
    // The y range follows the bands too.
    chart.options.scales = scales()
    chart.update('none')
  })

  const observer = new MutationObserver(() => {
    if (!chart) return
    chart.options.scales = scales()
    chart.options.plugins!.legend!.labels!.color = themeColour('--text')
    chart.update('none')
  })
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] })

  onScopeDispose(() => {
    observer.disconnect()
    chart?.destroy()
  })
}
