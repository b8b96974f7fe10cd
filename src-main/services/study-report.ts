import type { Interval, StudyArm, StudyMetric, StudyReport, StudyResults } from '../api/contract'
import { lineChartRgba, lineChartSvg, type LineChart } from '../media/line-chart'
import { formatInterval } from '../ml/stats/verdict'
import { encodePng } from './png'
import { escapeXml } from '../media/xml-text'

/** What the report says about where the study ran, beside the plan. */
export interface ReportSetup {
  target: string
  sources: string[]
  machine: string
  generatedAt: string
}

/** One seed's per-frame test scores: the raw numbers behind every table. */
export interface RawRow {
  arm: string
  seed: number
  runId: number
  frame: number
  /** A lead time past the trained horizon (docs/method.md §5.2). */
  beyondTraining: boolean
  mse: number | null
  mae: number | null
  ssim: number | null
  psnr: number | null
}

/** A TMU arm's gates and carried memory over its scored seeds' test clips, by step. */
export interface ArmIntrospection {
  arm: string
  /** 1-based TMU layers, the first index of `gateMean`. */
  layers: number[]
  /** The run's sources in gate order, the second index of `gateMean`. */
  sources: string[]
  /** gateMean[j][m][t]: mean transfer gate T_m at TMU layer j after step t. */
  gateMean: (number | null)[][][]
  /** memoryMagnitude[l][t]: mean |C_t| of layer l + 1 (every layer); empty if not recorded. */
  memoryMagnitude: (number | null)[][]
}

/** One test clip: truth over the predicted frames, then each arm (media/labelled-export.ts). */
export interface SampleStrip {
  clip: number
  /** Row labels, top to bottom. */
  rows: string[]
  png: Uint8Array
}

/** What the report shows from the runs' saved predictions and introspection. */
export interface ReportMedia {
  introspection: ArmIntrospection[]
  samples: SampleStrip | null
}

const LABEL: Record<StudyMetric, string> = { mse: 'MSE', mae: 'MAE', ssim: 'SSIM', psnr: 'PSNR' }
const DIGITS: Record<StudyMetric, number> = { mse: 2, mae: 2, ssim: 4, psnr: 2 }
/** How the tables mark lead times past the trained horizon. */
const BEYOND_MARK = '†'

const withCi = (i: Interval, digits: number) =>
  i.estimate === null
    ? '—'
    : `${i.estimate.toFixed(digits).replace(/^-/, '−')} ${formatInterval(i)}`
const duration = (seconds: number) =>
  seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 60
      ? `${(seconds / 60).toFixed(1)} min`
      : `${seconds.toFixed(0)} s`
const magnitude = (v: number | null) => (v === null ? '—' : v.toPrecision(3))
const point = (v: number | null): Interval => ({ estimate: v, low: null, high: null })

/** Lead times scored: the trained ones, then those past the horizon of any arm. */
function leadTimes(arms: readonly StudyArm[]) {
  const trained = Math.max(0, ...arms.map((a) => a.perFrame.mse.length))
  const beyond = Math.max(0, ...arms.map((a) => a.beyond.mse.length))
  const labels = Array.from({ length: trained + beyond }, (_, j) =>
    j < trained ? `t+${j + 1}` : `t+${j + 1} ${BEYOND_MARK}`,
  )
  return { trained, beyond, labels }
}

/**
 * Per-frame curves of one metric, one line per arm with its 95 % band over seeds, on to the
 * lead times past the trained horizon (shaded), where any were scored.
 */
export function curvesChart(arms: StudyArm[], metric: StudyMetric): LineChart {
  const { trained, beyond } = leadTimes(arms)
  const padded = (points: Interval[], length: number) =>
    Array.from({ length }, (_, j) => points[j] ?? point(null))
  return {
    title: `${LABEL[metric]} per predicted frame (band: 95 % CI over seeds)`,
    description: `${LABEL[metric]} per predicted frame, by arm, with 95 % intervals over seeds`,
    xLabels: Array.from({ length: trained + beyond }, (_, j) => `t+${j + 1}`),
    series: arms.map((arm) => ({
      label: `${arm.name} (${arm.scoredSeeds} seed${arm.scoredSeeds === 1 ? '' : 's'})`,
      points: [
        ...padded(arm.perFrame[metric], trained),
        ...(beyond ? padded(arm.beyond[metric], beyond) : []),
      ],
    })),
    yDigits: DIGITS[metric],
    beyondFrom: beyond ? trained : null,
  }
}

/** The curves as standalone SVG (fonts and colours inline) that a paper can take as it is. */
export const curvesSvg = (arms: StudyArm[], metric: StudyMetric) =>
  lineChartSvg(curvesChart(arms, metric))

/** The gate usage of one TMU arm: a line per TMU layer and source, by step. */
function gatesChart(i: ArmIntrospection): LineChart {
  const steps = Math.max(0, ...i.gateMean.flatMap((byM) => byM.map((byT) => byT.length)))
  return {
    title: `Transfer gate usage by step: ${i.arm} (mean T_m over test clips)`,
    description: `mean transfer gate per source and step for ${i.arm}`,
    xLabels: Array.from({ length: steps }, (_, t) => String(t + 1)),
    series: i.gateMean.flatMap((byM, j) =>
      byM.map((byT, m) => ({
        label: `layer ${i.layers[j]} · ${i.sources[m] ?? `source ${m + 1}`}`,
        points: byT.map(point),
      })),
    ),
    yDigits: 3,
  }
}

/** Layer 1's carried memory by step, one line per TMU arm, on a log scale. */
function memoryChart(all: ArmIntrospection[]): LineChart {
  const shown = all.filter((i) => i.memoryMagnitude.length > 0)
  const steps = Math.max(0, ...shown.map((i) => i.memoryMagnitude[0]!.length))
  return {
    title: 'Carried memory at layer 1: mean |C| by step (log scale)',
    description: 'mean absolute carried memory at layer 1 per step, by TMU arm',
    xLabels: Array.from({ length: steps }, (_, t) => String(t + 1)),
    series: shown.map((i) => ({ label: i.arm, points: i.memoryMagnitude[0]!.map(point) })),
    yDigits: 2,
    logY: true,
  }
}

function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The report's sections as Markdown; the HTML renders the same tables. */
function sections(results: StudyResults, setup: ReportSetup, media: ReportMedia) {
  const plan = results.plan
  const config = plan?.config
  const setupRows: string[][] = [
    ['target data', setup.target],
    ['zoo', setup.sources.join('; ') || '—'],
    ['seeds per arm', String(plan?.seeds ?? 1)],
    ['test clips (the same for every run)', String(results.testClips)],
    ...(config
      ? [
          [
            'network',
            `${config.model.cell} ${config.model.hidden.length}×${config.model.hidden[0]}, ${config.model.kernelSize}×${config.model.kernelSize}, patch ${config.model.patchSize}`,
          ],
          [
            'frames',
            `${config.model.imageHeight}×${config.model.imageWidth}, ${config.train.inputFrames} → ${config.train.outputFrames}`,
          ],
          [
            'budget per run',
            `${config.train.iterations} iterations, batch ${config.train.batchSize}, learning rate ${config.train.learningRate}`,
          ],
          ['backend asked for', config.backend],
        ]
      : []),
    ['machine', setup.machine],
    ['generated', setup.generatedAt],
  ]
  const lead = leadTimes(results.arms)
  const hasBeyond = lead.beyond > 0
  const resultsTable = markdownTable(
    [
      'arm',
      'seeds',
      'iterations',
      'wall time (all seeds)',
      'backend',
      'MSE [95 % CI]',
      'MAE',
      'SSIM [95 % CI]',
      'PSNR [95 % CI]',
      ...(hasBeyond ? [`MSE ${BEYOND_MARK} [95 % CI]`, `SSIM ${BEYOND_MARK}`] : []),
    ],
    results.arms.map((a) => [
      a.name,
      `${a.scoredSeeds}/${a.runs.length}`,
      String(a.iterations),
      duration(a.wallSeconds),
      a.backend ?? '—',
      withCi(a.overall.mse, 2),
      withCi(a.overall.mae, 2),
      withCi(a.overall.ssim, 4),
      withCi(a.overall.psnr, 2),
      ...(hasBeyond ? [withCi(a.beyondOverall.mse, 2), withCi(a.beyondOverall.ssim, 4)] : []),
    ]),
  )
  const perFrame = markdownTable(
    ['arm', ...lead.labels],
    results.arms.map((a) =>
      [
        a.name,
        ...Array.from({ length: lead.trained }, (_, j) => a.perFrame.mse[j]),
        ...Array.from({ length: lead.beyond }, (_, j) => a.beyond.mse[j]),
      ].map((cell, k) => (k === 0 ? (cell as string) : cell ? withCi(cell as Interval, 1) : '—')),
    ),
  )
  const verdicts = results.comparisons
    .filter((c) => results.arms.find((a) => a.name === c.a)?.ablationOf !== c.b)
    .map((c) => `- **${LABEL[c.metric]}**: ${c.verdict}`)
  const ablations = results.comparisons.filter(
    (c) => c.metric === 'mse' && results.arms.find((a) => a.name === c.a)?.ablationOf === c.b,
  )
  const ablationTable = ablations.length
    ? markdownTable(
        ['variant', 'of', 'MSE [95 % CI]', 'Δ MSE vs its base [95 % CI]', 'verdict'],
        ablations.map((c) => [
          c.a,
          c.b,
          withCi(results.arms.find((a) => a.name === c.a)!.overall.mse, 2),
          withCi(c.mean, 2),
          c.verdict,
        ]),
      )
    : 'No ablation arms in this study.'
  const steps = (n: number) => Array.from({ length: n }, (_, t) => String(t + 1))
  const gateSteps = Math.max(
    0,
    ...media.introspection.flatMap((i) => i.gateMean.flatMap((byM) => byM.map((t) => t.length))),
  )
  const gateTable = media.introspection.length
    ? markdownTable(
        ['arm', 'layer', 'source', ...steps(gateSteps)],
        media.introspection.flatMap((i) =>
          i.gateMean.flatMap((byM, j) =>
            byM.map((byT, m) => [
              i.arm,
              String(i.layers[j]),
              i.sources[m] ?? String(m + 1),
              ...byT.map((v) => (v === null ? '—' : v.toFixed(3))),
            ]),
          ),
        ),
      )
    : 'No TMU arm has saved test introspection yet.'
  const withMemory = media.introspection.filter((i) => i.memoryMagnitude.length > 0)
  const memorySteps = Math.max(0, ...withMemory.map((i) => i.memoryMagnitude[0]!.length))
  const memoryTable = withMemory.length
    ? markdownTable(
        ['arm', 'layer', ...steps(memorySteps)],
        withMemory.flatMap((i) =>
          i.memoryMagnitude.map((byT, l) => [i.arm, String(l + 1), ...byT.map(magnitude)]),
        ),
      )
    : 'No TMU arm recorded its carried memory (runs evaluated before it was kept).'
  return { setupRows, resultsTable, perFrame, verdicts, ablationTable, gateTable, memoryTable }
}

const csvCell = (v: string | number | null) =>
  v === null
    ? ''
    : typeof v === 'number'
      ? String(v)
      : /[",\n]/.test(v)
        ? `"${v.replace(/"/g, '""')}"`
        : v

/** The whole report: HTML with its figures inline, Markdown beside SVG and PNG files, CSV and JSON. */
export function renderStudyReport(
  results: StudyResults,
  setup: ReportSetup,
  rows: RawRow[],
  media: ReportMedia,
): StudyReport {
  const s = sections(results, setup, media)
  const gatesOf =
    media.introspection.find(
      (i) => results.arms.find((a) => a.name === i.arm)?.ablationOf === null,
    ) ?? media.introspection[0]
  const charts: { stem: string; chart: LineChart }[] = [
    ...(['mse', 'ssim'] as const).map((metric) => ({
      stem: `${metric}-per-frame`,
      chart: curvesChart(results.arms, metric),
    })),
    ...(gatesOf ? [{ stem: 'gate-usage', chart: gatesChart(gatesOf) }] : []),
    ...(media.introspection.some((i) => i.memoryMagnitude.length > 0)
      ? [{ stem: 'memory-magnitude', chart: memoryChart(media.introspection) }]
      : []),
  ]
  const figures = charts.map(({ stem, chart }) => ({
    name: `${stem}.svg`,
    svg: lineChartSvg(chart),
  }))
  const svgOf = (stem: string) => figures.find((f) => f.name === `${stem}.svg`)?.svg ?? ''
  const images = [
    ...charts.map(({ stem, chart }) => ({
      name: `${stem}.png`,
      png: encodePng(lineChartRgba(chart)),
    })),
    ...(media.samples ? [{ name: 'sample-clips.png', png: media.samples.png }] : []),
  ].map(({ name, png }) => ({ name, pngBase64: Buffer.from(png).toString('base64') }))
  const picture = (stem: string) =>
    figures.some((f) => f.name === `${stem}.svg`)
      ? `![${stem}](${stem}.svg) ([PNG](${stem}.png))`
      : ''
  const title = `Study report: ${results.name}`
  const note =
    'Intervals over seeds are Student t (95 %); differences are paired on the same test clips and bootstrapped over clips and seeds (2 000 resamples, seeded). "No difference detected" means the interval holds zero, not that the arms are equal. MSE and MAE are sums over the pixels of a frame (docs/method.md §5).'
  const beyondNote = `${BEYOND_MARK} past the trained horizon: the network rolls on on its own guesses (docs/method.md §5.2). The results table's MSE, MAE, SSIM and PSNR and the verdicts cover the trained lead times; its ${BEYOND_MARK} columns the lead times past them.`
  const memoryNote =
    "Mean |C| over channels and positions, after each step, over the arms' scored seeds and test clips (the trained steps). Unrescaled, the TMU carries C̃ + Σ_m [T_m⊙D_m + (1−T_m)⊙C̃], which grows up to (1+M)× per step (docs/method.md §3.8); read `rescaled memory` against it."
  const samplesCaption = media.samples
    ? `Test clip ${media.samples.clip}, predicted frames left to right; rows top to bottom: ${media.samples.rows.join('; ')}.`
    : 'No arm has saved test predictions yet.'
  const markdown = [
    `# ${title}`,
    '',
    '## Setup',
    '',
    markdownTable(['', ''], s.setupRows),
    '',
    '## Results (test split, mean over lead times)',
    '',
    s.resultsTable,
    '',
    '## MSE per predicted frame [95 % CI over seeds]',
    '',
    s.perFrame,
    '',
    ...(s.perFrame.includes(BEYOND_MARK) ? [beyondNote, ''] : []),
    picture('mse-per-frame'),
    picture('ssim-per-frame'),
    '',
    '## Paired verdicts',
    '',
    ...(s.verdicts.length ? s.verdicts : ['No two arms have scores yet.']),
    '',
    '## Ablations',
    '',
    s.ablationTable,
    '',
    '### Carried memory magnitude by step',
    '',
    s.memoryTable,
    '',
    memoryNote,
    '',
    picture('memory-magnitude'),
    '',
    '## Transfer gate usage per source over time (mean T_m over test clips)',
    '',
    s.gateTable,
    '',
    picture('gate-usage'),
    '',
    '## Sample clips',
    '',
    ...(media.samples ? ['![sample clips](sample-clips.png)', ''] : []),
    samplesCaption,
    '',
    note,
    '',
  ].join('\n')
  const htmlTable = (md: string) => {
    if (!md.startsWith('|')) return `<p>${escapeXml(md)}</p>`
    const [head, , ...body] = md.split('\n').map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((cell) => escapeXml(cell.replace(/\\\|/g, '|'))),
    )
    return `<table><thead><tr>${head!.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${body
      .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`
  }
  const samplesPng = images.find((i) => i.name === 'sample-clips.png')
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222 }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; font-variant-numeric: tabular-nums }
.figures { display: flex; flex-wrap: wrap; gap: 1rem }
.note { color: #555; font-size: 0.85rem }
.samples { image-rendering: pixelated; max-width: 100% }
</style></head><body>
<h1>${escapeXml(title)}</h1>
<h2>Setup</h2>${htmlTable(markdownTable(['', ''], s.setupRows))}
<h2>Results (test split, mean over lead times)</h2>${htmlTable(s.resultsTable)}
<h2>MSE per predicted frame [95 % CI over seeds]</h2>${htmlTable(s.perFrame)}
${s.perFrame.includes(BEYOND_MARK) ? `<p class="note">${escapeXml(beyondNote)}</p>` : ''}
<div class="figures">${svgOf('mse-per-frame')}${svgOf('ssim-per-frame')}</div>
<h2>Paired verdicts</h2><ul>${results.comparisons
    .filter((c) => results.arms.find((a) => a.name === c.a)?.ablationOf !== c.b)
    .map((c) => `<li><strong>${LABEL[c.metric]}</strong>: ${escapeXml(c.verdict)}</li>`)
    .join('')}</ul>
<h2>Ablations</h2>${htmlTable(s.ablationTable)}
<h3>Carried memory magnitude by step</h3>${htmlTable(s.memoryTable)}
<p class="note">${escapeXml(memoryNote)}</p>
<div class="figures">${svgOf('memory-magnitude')}</div>
<h2>Transfer gate usage per source over time (mean T_m over test clips)</h2>${htmlTable(s.gateTable)}
<div class="figures">${svgOf('gate-usage')}</div>
<h2>Sample clips</h2>${samplesPng ? `<img class="samples" alt="sample clips" src="data:image/png;base64,${samplesPng.pngBase64}">` : ''}
<p class="note">${escapeXml(samplesCaption)}</p>
<p class="note">${escapeXml(note)}</p>
</body></html>
`
  const csv = [
    'arm,seed,run_id,frame,beyond_training,mse,mae,ssim,psnr',
    ...rows.map((r) =>
      [r.arm, r.seed + 1, r.runId, r.frame, r.beyondTraining ? 1 : 0, r.mse, r.mae, r.ssim, r.psnr]
        .map(csvCell)
        .join(','),
    ),
  ].join('\n')
  return {
    stem: `study-${results.experimentId}`,
    html,
    markdown,
    csv: `${csv}\n`,
    json: JSON.stringify(
      { setup, results, introspection: media.introspection, perSeed: rows },
      null,
      1,
    ),
    figures,
    images,
  }
}
