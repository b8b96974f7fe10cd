import { cpus, loadavg } from 'node:os'
import * as tf from '@tensorflow/tfjs'
import { ModelConfig, TrainConfig, type CellKind } from '../src-main/domain/model'
import {
  BACKEND_ORDER,
  estimateTrainingMemoryBytes,
  initBackend,
  planBatch,
  probeBackends,
  type BackendName,
} from '../src-main/ml/backend'
import { createTrainer } from '../src-main/ml/training'
import { forwardConvFlops, trainingConvFlops } from '../src-main/ml/conv-flops'
import { pytorchUnavailable, runPyTorchStep } from './pytorch-reference'

/**
 * Training speed of the product's trainer (src-main/ml/training.ts) on every available
 * backend, against the same model and step in PyTorch (bench/reference/predrnn_step.py).
 * 64×64×1 clips, patch 4, 5×5 kernels, 10 → 10 frames (19 steps), Adam; one iteration =
 * forward + BPTT + Adam (reverse input off, as in the reference). Issue goal: the default
 * CPU path within 1.5× of PyTorch.
 */

export interface BenchShape {
  readonly layers: number
  readonly hidden: number
  readonly batch: number
}

export const DEFAULT_SHAPES: readonly BenchShape[] = [
  { layers: 2, hidden: 16, batch: 4 },
  { layers: 4, hidden: 32, batch: 8 },
  { layers: 4, hidden: 64, batch: 8 },
]

export interface TrainBenchOptions {
  readonly shapes?: readonly BenchShape[]
  readonly cells?: readonly CellKind[]
  /** Backends to try (default: all, each skipped with its reason when it does not load). */
  readonly backends?: readonly BackendName[]
  readonly warmup?: number
  readonly iterations?: number
  /** Compare with PyTorch (default true; skipped with a message when torch is absent). */
  readonly pytorch?: boolean
  readonly pytorchThreads?: number
  /** Skip a measurement predicted to take longer than this (the pure-JS backend). */
  readonly budgetSeconds?: number
  readonly log?: (line: string) => void
}

export type BenchEngine = BackendName | 'pytorch'

export interface TrainBenchRow {
  readonly cell: CellKind
  readonly layers: number
  readonly hidden: number
  readonly batch: number
  readonly engine: BenchEngine
  /** Clips per forward/backward pass when the batch is split to fit memory (gradients summed). */
  readonly microBatchSize: number | null
  readonly threads: number | null
  readonly trainGflop: number
  readonly trainSecondsPerIteration: number | null
  readonly inferSecondsPerPass: number | null
  readonly trainGflopPerSecond: number | null
  readonly trainRatioToPyTorch: number | null
  readonly inferRatioToPyTorch: number | null
  /** Why there is no figure. */
  readonly skipped: string | null
}

export interface TrainBenchReport {
  readonly startedAt: string
  readonly machine: { readonly cpus: number; readonly model: string }
  /** 1-minute load average when the bench started and ended (other work on the machine). */
  readonly loadAverage: { readonly start: number; readonly end: number }
  /** True when other processes competed for the cores: figures are then pessimistic. */
  readonly underLoad: boolean
  readonly rows: readonly TrainBenchRow[]
  readonly table: string
}

const FRAMES_IN = 10
const FRAMES_OUT = 10
export const STEPS = FRAMES_IN + FRAMES_OUT - 1
/**
 * First guesses of each backend's training speed, refined by every measurement. The pure-JS
 * backend's naive backprop loops (it has no conv-grad kernels of ours) did not finish three
 * ConvLSTM 2×16 batch-4 iterations in 11 minutes here, so it is only run on tiny shapes.
 */
const GFLOP_PER_SECOND_GUESS: Record<BackendName, number> = {
  'tensorflow-gpu': 500,
  webgpu: 100,
  tensorflow: 100,
  onednn: 150,
  wasm: 20,
  cpu: 0.05,
}

export function configsFor(cell: CellKind, shape: BenchShape) {
  const model = ModelConfig.parse({ cell, hidden: Array(shape.layers).fill(shape.hidden) })
  const train = TrainConfig.parse({
    batchSize: shape.batch,
    inputFrames: FRAMES_IN,
    outputFrames: FRAMES_OUT,
    reverseInput: false,
  })
  return { model, train }
}

async function secondsPerCall(fn: () => Promise<void>, warmup: number, iterations: number) {
  for (let i = 0; i < warmup; i++) await fn()
  const start = performance.now()
  for (let i = 0; i < iterations; i++) await fn()
  return (performance.now() - start) / 1000 / iterations
}

/**
 * The product's trainer for one shape on the active backend, with a random clip batch; bench/gpu
 * times it an iteration at a time, between PyTorch's.
 */
export function benchTrainer(cell: CellKind, shape: BenchShape, microBatchSize = shape.batch) {
  const { model, train } = configsFor(cell, shape)
  const trainer = createTrainer(model, train, { microBatchSize })
  const frames = tf.randomUniform([shape.batch, FRAMES_IN + FRAMES_OUT, 64, 64, 1]) as tf.Tensor5D
  return {
    trainer,
    frames,
    /** One training iteration, loss read back. */
    step: async () => void (await trainer.step(frames)),
    dispose() {
      frames.dispose()
      trainer.dispose()
    },
  }
}

async function measureTfjs(
  cell: CellKind,
  shape: BenchShape,
  microBatchSize: number,
  warmup: number,
  iterations: number,
) {
  const { trainer, frames, step, dispose } = benchTrainer(cell, shape, microBatchSize)
  try {
    const trainSeconds = await secondsPerCall(step, warmup, iterations)
    const inferSeconds = await secondsPerCall(
      async () => {
        const out = trainer.predict(frames, FRAMES_IN, FRAMES_OUT)
        await out.data()
        out.dispose()
      },
      warmup,
      iterations,
    )
    return { train: trainSeconds, infer: inferSeconds }
  } finally {
    dispose()
  }
}

const round = (x: number, digits = 3) => Number(x.toPrecision(digits))

type RowBase = Pick<TrainBenchRow, 'cell' | 'layers' | 'hidden' | 'batch' | 'trainGflop'>

interface Timing {
  readonly train: number
  readonly infer: number
}

function measuredRow(
  base: RowBase,
  engine: BenchEngine,
  threads: number,
  seconds: Timing,
  reference: Timing | null,
  microBatchSize: number | null = null,
): TrainBenchRow {
  return {
    ...base,
    engine,
    microBatchSize,
    threads,
    trainSecondsPerIteration: round(seconds.train),
    inferSecondsPerPass: round(seconds.infer),
    trainGflopPerSecond: round(base.trainGflop / seconds.train),
    trainRatioToPyTorch: reference ? round(seconds.train / reference.train) : null,
    inferRatioToPyTorch: reference ? round(seconds.infer / reference.infer) : null,
    skipped: null,
  }
}

function skippedRow(base: RowBase, engine: BenchEngine, why: string): TrainBenchRow {
  return {
    ...base,
    engine,
    microBatchSize: null,
    threads: null,
    trainSecondsPerIteration: null,
    inferSecondsPerPass: null,
    trainGflopPerSecond: null,
    trainRatioToPyTorch: null,
    inferRatioToPyTorch: null,
    skipped: why,
  }
}

function formatTable(rows: readonly TrainBenchRow[]): string {
  const header =
    '| cell | layers×hidden, batch | engine | threads | train s/iter | GFLOP/s | × PyTorch | infer s/pass | × PyTorch |'
  const lines = rows.map((r) => {
    const cells = [
      r.cell,
      `${r.layers}×${r.hidden}, ${r.batch}${r.microBatchSize ? ` (as ${Math.ceil(r.batch / r.microBatchSize)}×${r.microBatchSize})` : ''}`,
      r.engine,
      r.threads ?? '—',
      r.trainSecondsPerIteration ?? (r.skipped ? `skipped: ${r.skipped}` : '—'),
      r.trainGflopPerSecond ?? '—',
      r.trainRatioToPyTorch ?? '—',
      r.inferSecondsPerPass ?? '—',
      r.inferRatioToPyTorch ?? '—',
    ]
    return `| ${cells.join(' | ')} |`
  })
  return [header, `|${'---|'.repeat(9)}`, ...lines].join('\n')
}

export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainBenchReport> {
  const {
    shapes = DEFAULT_SHAPES,
    cells = ['convlstm', 'predrnn'],
    backends = BACKEND_ORDER,
    warmup = 1,
    iterations = 2,
    pytorch = true,
    pytorchThreads = 2,
    budgetSeconds = 150,
    log = (line: string) => console.log(line),
  } = options
  const startedAt = new Date().toISOString()
  const loadStart = loadavg()[0] ?? 0
  const rows: TrainBenchRow[] = []
  const probed = await probeBackends()
  const rate = { ...GFLOP_PER_SECOND_GUESS }
  const torchMissing = pytorch ? await pytorchUnavailable() : 'not requested'
  if (torchMissing) log(`PyTorch reference skipped: ${torchMissing}`)

  for (const cell of cells) {
    for (const shape of shapes) {
      const { model, train } = configsFor(cell, shape)
      const trainFlops = trainingConvFlops(model, shape.batch, STEPS)
      const inferFlops = forwardConvFlops(model, shape.batch, STEPS)
      const base: RowBase = { cell, ...shape, trainGflop: round(trainFlops / 1e9) }
      const label = `${cell} ${shape.layers}×${shape.hidden} batch ${shape.batch}`
      let reference: Timing | null = null
      if (!torchMissing) {
        const step = await runPyTorchStep({
          cell,
          ...shape,
          threads: pytorchThreads,
          warmup,
          iterations,
        })
        reference = { train: step.trainSecondsPerIteration, infer: step.inferSecondsPerPass }
        rows.push(measuredRow(base, 'pytorch', step.threads, reference, null))
        log(`${label} pytorch: ${round(reference.train)} s/iter`)
      }
      for (const engine of backends) {
        const probe = probed.find((p) => p.name === engine)
        if (!probe?.ok) {
          rows.push(skippedRow(base, engine, probe?.error ?? 'not probed'))
          continue
        }
        const report = await initBackend(engine)
        let microBatchSize: number
        try {
          microBatchSize = planBatch(
            report,
            estimateTrainingMemoryBytes(model, train),
          ).microBatchSize
        } catch (error) {
          rows.push(skippedRow(base, engine, (error as Error).message))
          continue
        }
        const predicted = ((trainFlops + inferFlops) / 1e9 / rate[engine]) * (warmup + iterations)
        if (predicted > budgetSeconds) {
          const why = `predicted ~${round(predicted, 2)} s at ~${round(rate[engine], 2)} GFLOP/s (budget ${budgetSeconds} s)`
          rows.push(skippedRow(base, engine, why))
          continue
        }
        const seconds = await measureTfjs(cell, shape, microBatchSize, warmup, iterations)
        // Only ever raise the guess: a small shape, or one timed while others load the
        // machine, runs slower and must not get the real configurations skipped.
        rate[engine] = Math.max(rate[engine], trainFlops / 1e9 / seconds.train)
        const split = microBatchSize < shape.batch ? microBatchSize : null
        rows.push(measuredRow(base, engine, report.threads, seconds, reference, split))
        log(`${label} ${engine}: ${round(seconds.train)} s/iter`)
      }
    }
  }

  const loadEnd = loadavg()[0] ?? 0
  // Before our first measurement the machine should be idle; a busy start means others' work.
  const underLoad = loadStart > 0.5
  const table = formatTable(rows)
  log(table)
  if (underLoad)
    log(
      `Measured under load: 1-min load average ${round(loadStart, 2)} at start on ${cpus().length} cores.`,
    )
  return {
    startedAt,
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    loadAverage: { start: round(loadStart, 2), end: round(loadEnd, 2) },
    underLoad,
    rows,
    table,
  }
}
