/**
 * Our webgpu backend against PyTorch on CUDA, seconds per training iteration, on bench/train.ts's
 * shapes. bench/gpu/build.ts bundles this file (tfjs inside, Dawn beside it) for bench/gpu/run.sh,
 * which runs it on a GPU machine without Node; see bench/gpu/README.md.
 *
 * Per shape the two engines alternate, one iteration each (ours, PyTorch, ours, PyTorch, …), so
 * both see the same machine; each figure is the median of its timings (bench/interleave.ts).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import type { CellKind } from '../../src-main/domain/model'
import { estimateTrainingMemoryBytes, initBackend, planBatch } from '../../src-main/ml/backend'
import { findWebGpuAdapter, formatAdapter } from '../../src-main/ml/backend/webgpu'
import { trainingConvFlops } from '../../src-main/ml/conv-flops'
import { interleave, median, type PairedTimings } from '../interleave'
import { openPyTorchStepper, type PyTorchDevice } from '../pytorch-reference'
import { DEFAULT_SHAPES, STEPS, benchTrainer, configsFor, type BenchShape } from '../bench-trainer'

/** Issue #16's goal at the paper's shapes: ours within 1.5× of PyTorch on CUDA. */
const GOAL_RATIO = 1.5

const USAGE = `usage: node gpu-bench.mjs --check-adapter [--allow-software]
       node gpu-bench.mjs --out DIR [--shapes all|2x16x4,4x32x8,…] [--cells convlstm,predrnn]
  [--timings 5] [--warmup 1] [--allow-software] [--torch-device cuda] [--torch-threads N] [--python python3]`

interface GpuBenchRow {
  readonly cell: CellKind
  readonly layers: number
  readonly hidden: number
  readonly batch: number
  /** Clips per pass when the batch is split to fit the adapter's buffers; null when whole. */
  readonly microBatchSize: number | null
  readonly trainGflop: number
  readonly pytorchSeconds: number
  readonly webgpuSeconds: number
  readonly ratio: number
  readonly pytorchTimings: readonly number[]
  readonly webgpuTimings: readonly number[]
}

const round = (x: number, digits = 3) => Number(x.toPrecision(digits))

function parseShapes(text: string): readonly BenchShape[] {
  if (text === 'all') return DEFAULT_SHAPES
  return text.split(',').map((part) => {
    const match = /^(\d+)x(\d+)x(\d+)$/.exec(part.trim())
    if (!match) throw new Error(`--shapes: "${part}" is not LAYERSxHIDDENxBATCH, e.g. 2x16x4`)
    return { layers: Number(match[1]), hidden: Number(match[2]), batch: Number(match[3]) }
  })
}

function positive(name: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${name}: "${text}" is not a whole number ≥ 1`)
  return n
}

/** The NVIDIA driver's own view (name, driver, memory, utilisation), when nvidia-smi is here. */
function nvidiaSmi(): string | null {
  try {
    const query = 'name,driver_version,memory.total,utilization.gpu,memory.used'
    return execFileSync('nvidia-smi', [`--query-gpu=${query}`, '--format=csv,noheader'], {
      encoding: 'utf8',
    }).trim()
  } catch {
    return null
  }
}

/** What bench/gpu/build.ts put in the bundle (tfjs, its webgpu backend, Dawn, the commit). */
function bundledVersions(): Record<string, string> {
  const file = new URL('./versions.json', import.meta.url)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : {}
}

function formatTable(rows: readonly GpuBenchRow[], torch: string): string {
  const header = `| cell | layers×hidden, batch | PyTorch (${torch}) s/iter | webgpu s/iter | ours / PyTorch |`
  const lines = rows.map((r) => {
    const split = r.microBatchSize
      ? ` (as ${Math.ceil(r.batch / r.microBatchSize)}×${r.microBatchSize})`
      : ''
    return `| ${r.cell} | ${r.layers}×${r.hidden}, ${r.batch}${split} | ${r.pytorchSeconds} | ${r.webgpuSeconds} | ${r.ratio}× |`
  })
  return [header, `|${'---|'.repeat(5)}`, ...lines].join('\n')
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      shapes: { type: 'string', default: 'all' },
      cells: { type: 'string', default: 'convlstm,predrnn' },
      timings: { type: 'string', default: '5' },
      warmup: { type: 'string', default: '1' },
      'allow-software': { type: 'boolean', default: false },
      'torch-device': { type: 'string', default: 'cuda' },
      'torch-threads': { type: 'string', default: String(cpus().length) },
      python: { type: 'string', default: 'python3' },
      'check-adapter': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values['check-adapter']) {
    // run.sh asks first, to retry with an explicit Vulkan driver when Dawn finds none.
    const adapter = await findWebGpuAdapter({ allowFallbackAdapter: values['allow-software'] })
    console.log(`adapter: ${formatAdapter(adapter)}`)
    return
  }
  if (values.help || !values.out) {
    console.log(USAGE)
    process.exitCode = values.help ? 0 : 2
    return
  }
  const shapes = parseShapes(values.shapes)
  const cells = values.cells.split(',').map((c) => {
    if (c !== 'convlstm' && c !== 'predrnn')
      throw new Error(`--cells: "${c}" is not convlstm or predrnn`)
    return c as CellKind
  })
  const timings = positive('timings', values.timings)
  const warmup = positive('warmup', values.warmup)
  const threads = positive('torch-threads', values['torch-threads'])

  const adapter = await findWebGpuAdapter({ allowFallbackAdapter: values['allow-software'] })
  console.log(`adapter: ${formatAdapter(adapter)}`)
  const backend = await initBackend('webgpu')
  const nvidia = nvidiaSmi()
  if (nvidia) console.log(`nvidia-smi: ${nvidia}`)
  const loadStart = loadavg()[0] ?? 0

  const rows: GpuBenchRow[] = []
  let torch: PyTorchDevice | null = null
  for (const cell of cells) {
    for (const shape of shapes) {
      const { model, train } = configsFor(cell, shape)
      const { microBatchSize } = planBatch(backend, estimateTrainingMemoryBytes(model, train))
      const stepper = await openPyTorchStepper(
        {
          cell,
          ...shape,
          kernel: model.kernelSize,
          threads,
          warmup,
          device: values['torch-device'],
        },
        values.python,
      )
      torch = stepper.info
      const ours = benchTrainer(cell, shape, microBatchSize)
      let paired: PairedTimings
      try {
        for (let i = 0; i < warmup; i++) await ours.step()
        paired = await interleave(ours.step, stepper.trainSeconds, timings)
      } finally {
        stepper.close()
        ours.dispose()
      }
      const webgpuTimings = paired.ours
      const pytorchTimings = paired.reference!
      const pytorchSeconds = median(pytorchTimings)
      const webgpuSeconds = median(webgpuTimings)
      const row: GpuBenchRow = {
        cell,
        ...shape,
        microBatchSize: microBatchSize < shape.batch ? microBatchSize : null,
        trainGflop: round(trainingConvFlops(model, shape.batch, STEPS) / 1e9),
        pytorchSeconds: round(pytorchSeconds),
        webgpuSeconds: round(webgpuSeconds),
        ratio: round(webgpuSeconds / pytorchSeconds),
        pytorchTimings: pytorchTimings.map((t) => round(t, 4)),
        webgpuTimings: webgpuTimings.map((t) => round(t, 4)),
      }
      rows.push(row)
      console.log(
        `${cell} ${shape.layers}×${shape.hidden} batch ${shape.batch}: PyTorch ${row.pytorchSeconds} s, webgpu ${row.webgpuSeconds} s, ${row.ratio}×`,
      )
    }
  }

  const torchLabel = torch ? (torch.gpu ?? `${torch.device}, ${torch.threads} threads`) : '—'
  const table = formatTable(rows, torchLabel)
  console.log(`\n${table}\n`)
  const worst = Math.max(...rows.map((r) => r.ratio))
  console.log(
    `goal: within ${GOAL_RATIO}× of PyTorch per iteration; worst row ${worst}× ${worst <= GOAL_RATIO ? '(met)' : '(not met)'}`,
  )
  if (adapter.fallback) console.log('software adapter: these figures say nothing about a GPU')

  mkdirSync(values.out, { recursive: true })
  const file = join(values.out, 'gpu.json')
  const report = {
    bench: 'gpu',
    date: new Date().toISOString(),
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      os: `linux ${release()}`,
    },
    gpu: { adapter, nvidiaSmi: nvidia, pytorch: torch },
    versions: {
      ...bundledVersions(),
      node: process.version,
      tfjs: tf.version.tfjs,
      torch: torch?.torchVersion ?? null,
    },
    settings: { timings, warmup, torchDevice: values['torch-device'], torchThreads: threads },
    loadAverage: { start: round(loadStart, 2), end: round(loadavg()[0] ?? 0, 2) },
    goalRatio: GOAL_RATIO,
    rows,
    table,
  }
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
  console.log(`saved ${file}`)
}

await main()
