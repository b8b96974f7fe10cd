import type { Interval, StudyArm, StudyMetric, StudyReport, StudyResults } from '../api/contract'
import { formatInterval } from '../ml/stats/verdict'

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
  mse: number | null
  mae: number | null
  ssim: number | null
  psnr: number | null
}

const LABEL: Record<StudyMetric, string> = { mse: 'MSE', mae: 'MAE', ssim: 'SSIM', psnr: 'PSNR' }
const DIGITS: Record<StudyMetric, number> = { mse: 2, mae: 2, ssim: 4, psnr: 2 }
/** Colour-blind-safe (Okabe–Ito), in arm order. */
const PALETTE = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#d55e00',
  '#cc79a7',
  '#56b4e9',
  '#f0e442',
  '#000000',
]

const withCi = (i: Interval, digits: number) =>
  i.estimate === null
    ? '—'
    : `${i.estimate.toFixed(digits).replace(/^-/, '−')} ${formatInterval(i)}`
const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const duration = (seconds: number) =>
  seconds >= 3600
    ? `${(seconds / 3600).toFixed(1)} h`
    : seconds >= 60
      ? `${(seconds / 60).toFixed(1)} min`
      : `${seconds.toFixed(0)} s`

/**
 * Per-frame curves of one metric, one line per arm with its 95 % band over seeds, as a
 * standalone SVG (fonts and colours inline) that a paper can take as it is.
 */
export function curvesSvg(arms: StudyArm[], metric: StudyMetric): string {
  const width = 640
  const height = 360
  const pad = { left: 64, right: 16, top: 28, bottom: 44 }
  const legendHeight = 18 * arms.length
  const plotHeight = height - pad.top - pad.bottom
  const frames = Math.max(1, ...arms.map((a) => a.perFrame[metric].length))
  const values = arms.flatMap((a) =>
    a.perFrame[metric]
      .flatMap((i) => [i.estimate, i.low, i.high])
      .filter((v): v is number => v !== null),
  )
  const lo = values.length ? Math.min(...values) : 0
  const hi = values.length ? Math.max(...values) : 1
  const span = hi - lo || Math.abs(hi) || 1
  const yMin = lo - 0.05 * span
  const yMax = hi + 0.05 * span
  const x = (j: number) =>
    pad.left + (frames === 1 ? 0.5 : j / (frames - 1)) * (width - pad.left - pad.right)
  const y = (v: number) => pad.top + (1 - (v - yMin) / (yMax - yMin)) * plotHeight
  const parts: string[] = []
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4
    parts.push(
      `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(DIGITS[metric])}</text>`,
    )
  }
  for (let j = 0; j < frames; j++) {
    parts.push(
      `<text x="${x(j).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">t+${j + 1}</text>`,
    )
  }
  arms.forEach((arm, a) => {
    const colour = PALETTE[a % PALETTE.length]!
    const series = arm.perFrame[metric]
    const band = series.every((i) => i.low !== null && i.high !== null)
    if (band && series.length) {
      const upper = series.map((i, j) => `${x(j).toFixed(1)},${y(i.high!).toFixed(1)}`)
      const lower = series.map((i, j) => `${x(j).toFixed(1)},${y(i.low!).toFixed(1)}`).reverse()
      parts.push(
        `<polygon points="${[...upper, ...lower].join(' ')}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`,
      )
    }
    const line = series.flatMap((i, j) =>
      i.estimate === null ? [] : [`${x(j).toFixed(1)},${y(i.estimate).toFixed(1)}`],
    )
    parts.push(
      `<polyline points="${line.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"/>`,
    )
  })
  const legend = arms.map((arm, a) => {
    const top = height + 6 + 18 * a
    return (
      `<rect x="${pad.left}" y="${top}" width="14" height="10" fill="${PALETTE[a % PALETTE.length]}"/>` +
      `<text x="${pad.left + 20}" y="${top + 9}">${escape(arm.name)} (${arm.scoredSeeds} seed${arm.scoredSeeds === 1 ? '' : 's'})</text>`
    )
  })
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + legendHeight + 8}" ` +
    `viewBox="0 0 ${width} ${height + legendHeight + 8}" font-family="sans-serif" font-size="11" role="img" ` +
    `aria-label="${LABEL[metric]} per predicted frame, by arm, with 95 % intervals over seeds">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="${pad.left}" y="16" font-size="13" font-weight="600">${LABEL[metric]} per predicted frame (band: 95 % CI over seeds)</text>` +
    parts.join('') +
    legend.join('') +
    `</svg>`
  )
}

function markdownTable(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The report's sections as Markdown; the HTML renders the same tables. */
function sections(results: StudyResults, setup: ReportSetup) {
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
    ]),
  )
  const frames = Math.max(0, ...results.arms.map((a) => a.perFrame.mse.length))
  const perFrame = markdownTable(
    ['arm', ...Array.from({ length: frames }, (_, j) => `t+${j + 1}`)],
    results.arms.map((a) => [a.name, ...a.perFrame.mse.map((i) => withCi(i, 1))]),
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
  return { setupRows, resultsTable, perFrame, verdicts, ablationTable }
}

const csvCell = (v: string | number | null) =>
  v === null
    ? ''
    : typeof v === 'number'
      ? String(v)
      : /[",\n]/.test(v)
        ? `"${v.replace(/"/g, '""')}"`
        : v

/** The whole report: HTML with its figures inline, Markdown beside SVG files, CSV and JSON. */
export function renderStudyReport(
  results: StudyResults,
  setup: ReportSetup,
  rows: RawRow[],
): StudyReport {
  const s = sections(results, setup)
  const figures = (['mse', 'ssim'] as const).map((metric) => ({
    name: `${metric}-per-frame.svg`,
    svg: curvesSvg(results.arms, metric),
  }))
  const title = `Study report: ${results.name}`
  const note =
    'Intervals over seeds are Student t (95 %); differences are paired on the same test clips and bootstrapped over clips and seeds (2 000 resamples, seeded). "No difference detected" means the interval holds zero, not that the arms are equal. MSE and MAE are sums over the pixels of a frame (docs/method.md §5).'
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
    ...figures.map((f) => `![${f.name}](${f.name})`),
    '',
    '## Paired verdicts',
    '',
    ...(s.verdicts.length ? s.verdicts : ['No two arms have scores yet.']),
    '',
    '## Ablations',
    '',
    s.ablationTable,
    '',
    note,
    '',
  ].join('\n')
  const htmlTable = (md: string) => {
    const [head, , ...body] = md.split('\n').map((line) =>
      line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((cell) => escape(cell.replace(/\\\|/g, '|'))),
    )
    return `<table><thead><tr>${head!.map((c) => `<th>${c}</th>`).join('')}</tr></thead><tbody>${body
      .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
      .join('')}</tbody></table>`
  }
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222 }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: left; font-variant-numeric: tabular-nums }
.figures { display: flex; flex-wrap: wrap; gap: 1rem }
.note { color: #555; font-size: 0.85rem }
</style></head><body>
<h1>${escape(title)}</h1>
<h2>Setup</h2>${htmlTable(markdownTable(['', ''], s.setupRows))}
<h2>Results (test split, mean over lead times)</h2>${htmlTable(s.resultsTable)}
<h2>MSE per predicted frame [95 % CI over seeds]</h2>${htmlTable(s.perFrame)}
<div class="figures">${figures.map((f) => f.svg).join('')}</div>
<h2>Paired verdicts</h2><ul>${results.comparisons
    .filter((c) => results.arms.find((a) => a.name === c.a)?.ablationOf !== c.b)
    .map((c) => `<li><strong>${LABEL[c.metric]}</strong>: ${escape(c.verdict)}</li>`)
    .join('')}</ul>
<h2>Ablations</h2>${s.ablationTable.startsWith('|') ? htmlTable(s.ablationTable) : `<p>${escape(s.ablationTable)}</p>`}
<p class="note">${escape(note)}</p>
</body></html>
`
  const csv = [
    'arm,seed,run_id,frame,mse,mae,ssim,psnr',
    ...rows.map((r) =>
      [r.arm, r.seed + 1, r.runId, r.frame, r.mse, r.mae, r.ssim, r.psnr].map(csvCell).join(','),
    ),
  ].join('\n')
  return {
    stem: `study-${results.experimentId}`,
    html,
    markdown,
    csv: `${csv}\n`,
    json: JSON.stringify({ setup, results, perSeed: rows }, null, 1),
    figures,
  }
}
