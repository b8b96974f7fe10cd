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
  type ChartDataset,
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
}

function themeColour(name: string) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
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
    const { xLabel, yLabel, logY } = options()
    const axis = (label: string) => ({
      title: { display: true, text: label, color: text },
      ticks: { color: text },
      grid: { color: grid },
    })
    return {
      // Every x in the workbench counts something (iterations, frames): no fractional ticks.
      x: { type: 'linear' as const, ...axis(xLabel), ticks: { color: text, precision: 0 } },
      y: { type: logY ? ('logarithmic' as const) : ('linear' as const), ...axis(yLabel) },
    }
  }

  onMounted(() => {
    if (!canvas.value) return
    chart = new Chart<'line', Point[]>(canvas.value, {
      type: 'line',
      data: { datasets: datasets() },
      // The plot's own height, apart from legend and axes, for tests and layout checks.
      plugins: [
        {
          id: 'plotHeight',
          afterLayout: (c) =>
            (c.canvas.dataset.plotHeight = String(Math.round(c.chartArea.height))),
        },
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
