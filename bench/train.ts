import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { RUN_PRESETS } from '../src-main/api/contract/presets'
import { createBatcher } from '../src-main/data/batcher'
import { createFlyingDigitsStore } from '../src-main/data/flying-digits-store'
import { openFrameStore } from '../src-main/data/frame-store'
import {
  isRecurrentCell,
  SimVpOptions,
  type CellKind,
  type ModelConfig,
} from '../src-main/domain/model'
import { clipsToTensor } from '../src-main/jobs/clip-tensor'
import {
  BACKEND_ORDER,
  estimateTrainingMemoryBytes,
  initBackend,
  planBatch,
  probeBackends,
  type BackendName,
} from '../src-main/ml/backend'
import { forwardConvFlops, trainingConvFlops } from '../src-main/ml/conv-flops'
import {
  benchTrainer,
  configsFor,
  DEFAULT_SHAPES,
  FRAMES_IN,
  FRAMES_OUT,
  STEPS,
  type BenchShape,
} from './bench-trainer'
import { interleave, median, type PairedTimings } from './interleave'
import {
  openPyTorchStepper,
  pytorchUnavailable,
  referenceOptions,
  type PyTorchStepper,
} from './pytorch-reference'

/**
 * Training speed of the product's trainer (src-main/ml/training.ts) on every available
 * backend, against the same model and step in PyTorch (bench/reference/predrnn_step.py).
 * 64×64×1 clips, patch 4, 10 → 10 frames (19 steps), Adam, reverse input off (as in the
 * reference). Our iteration is what `tmu train` does for one: the next batch from a Flying
 * Digits frame store, to a tensor, the trainer's step with its loss read back. Each backend is
 * timed alternately with PyTorch (interleave.ts), and its ratio is to the PyTorch timings taken
 * beside it. Issue #16's goal: the default CPU path at 1.0× PyTorch or better on every shape.
 */

/** A backbone at one of its presets' sizes: the rows issue #14 asks for. */
export interface BenchCase {
  readonly cell: CellKind
  readonly shape: BenchShape
}

/** The shape of a preset's network and batch, on the bench's 64×64 frames. */
function presetShape(name: keyof typeof RUN_PRESETS): BenchShape {
  const { model, train } = RUN_PRESETS[name]
  return {
    layers: model.hidden.length,
    hidden: model.hidden[0]!,
    batch: train.batchSize,
    kernel: model.kernelSize,
    patch: model.patchSize,
    ...('simvp' in model ? { options: { simvp: model.simvp } } : {}),
    ...('ddrWeight' in train ? { ddrWeight: train.ddrWeight } : {}),
  }
}

/**
 * ConvLSTM and PredRNN at the three sizes above; the other backbones at their quick and
 * OpenSTL presets' sizes.
 */
export const DEFAULT_CASES: readonly BenchCase[] = [
  ...(['convlstm', 'predrnn'] as const).flatMap((cell) =>
    DEFAULT_SHAPES.map((shape) => ({ cell, shape })),
  ),
  ...(['predrnnpp', 'predrnnv2', 'mim', 'mau', 'e3d', 'simvp', 'tau'] as const).flatMap((cell) =>
    (['quick', 'openstl'] as const).map((size) => ({
      cell,
      shape: presetShape(`${cell}-${size}`),
    })),
  ),
]

/**
 * What `npm run bench -- train` reads from the environment: `TMU_BENCH_CELLS` (comma-separated
 * backbones, their default cases only) and `TMU_BENCH_BUDGET` (seconds a measurement may be
 * predicted to take, for the OpenSTL sizes), so one slow row can be rerun alone.
 */
export function trainBenchOptionsFromEnv(env: NodeJS.ProcessEnv): TrainBenchOptions {
  const options: { cases?: BenchCase[]; budgetSeconds?: number } = {}
  if (env.TMU_BENCH_CELLS) {
    const cells = env.TMU_BENCH_CELLS.split(',').map((c) => c.trim())
    const known = new Set(DEFAULT_CASES.map((c) => c.cell))
    const unknown = cells.filter((c) => !known.has(c as CellKind))
    if (unknown.length) {
      throw new Error(
        `TMU_BENCH_CELLS: no bench cases for ${unknown.join(', ')}; known: ${[...known].join(', ')}`,
      )
    }
    options.cases = DEFAULT_CASES.filter((c) => cells.includes(c.cell))
  }
  if (env.TMU_BENCH_BUDGET) {
    const budget = Number(env.TMU_BENCH_BUDGET)
    if (!(budget > 0)) {
      throw new Error(`TMU_BENCH_BUDGET: seconds > 0, got ${JSON.stringify(env.TMU_BENCH_BUDGET)}`)
    }
    options.budgetSeconds = budget
  }
  return options
}

export interface TrainBenchOptions {
  readonly cases?: readonly BenchCase[]
  /** Backends to try (default: all, each skipped with its reason when it does not load). */
  readonly backends?: readonly BackendName[]
  readonly warmup?: number
  /** Timings per engine, alternating with PyTorch's (issue #16: at least 5). */
  readonly timings?: number
  /** Compare with PyTorch (default true; skipped with a message when torch is absent). */
  readonly pytorch?: boolean
  readonly pytorchThreads?: number
  /** Skip a measurement predicted to take longer than this (the pure-JS backend, OpenSTL sizes). */
  readonly budgetSeconds?: number
  readonly log?: (line: string) => void
}

export type BenchEngine = BackendName | 'pytorch'

export interface TrainBenchRow {
  readonly cell: CellKind
  /** The network's sizes in words: layers×hidden, kernel and patch, or SimVP's widths. */
  readonly size: string
  readonly layers: number
  readonly hidden: number
  readonly kernel: number
  readonly patch: number
  readonly batch: number
  readonly engine: BenchEngine
  /** Clips per forward/backward pass when the batch is split to fit memory (gradients summed). */
  readonly microBatchSize: number | null
  readonly threads: number | null
  readonly trainGflop: number
  readonly trainSecondsPerIteration: number | null
  readonly inferSecondsPerPass: number | null
  readonly trainGflopPerSecond: number | null
  /** Against the median of the PyTorch timings taken alternately with this engine's. */
  readonly trainRatioToPyTorch: number | null
  readonly inferRatioToPyTorch: number | null
  /** Every timing, ours and (alternating with them) PyTorch's as the reference, in seconds. */
  readonly timings: { readonly train: PairedTimings; readonly infer: PairedTimings } | null
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

/**
 * Batches of 64×64 Flying Digits clips from a frame store, as `tmu train` reads them: the
 * batcher's read, then the uint8 clips to a float tensor (jobs/clip-tensor.ts).
 */
function flyingDigitsBatches(batchSize: number) {
  const root = mkdtempSync(join(tmpdir(), 'tmu-bench-train-'))
  const dir = join(root, 'clips')
  createFlyingDigitsStore(dir, {
    canvasSize: 64,
    digitSize: 28,
    clipLength: FRAMES_IN + FRAMES_OUT,
    digitsPerClip: 2,
    trainClips: 2 * batchSize,
    testClips: 1,
    seed: 0,
  })
  const store = openFrameStore(dir)
  const batcher = createBatcher(store, { split: 'train', batchSize, seed: 0 })
  return {
    next: async () => {
      const batch = await batcher.next()
      return clipsToTensor(batch.framesBTHWC, batch.shape, FRAMES_IN + FRAMES_OUT)
    },
    dispose: () => {
      store.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

const round = (x: number, digits = 3) => Number(x.toPrecision(digits))

type RowBase = Pick<
  TrainBenchRow,
  'cell' | 'size' | 'layers' | 'hidden' | 'kernel' | 'patch' | 'batch' | 'trainGflop'
>

/** A row's sizes: what its model reads (SimVP has no recurrent stack). */
function sizeText(model: ModelConfig): string {
  if (isRecurrentCell(model.cell)) {
    const { hidden, kernelSize: k, patchSize: p } = model
    return `${hidden.length}×${hidden[0]}, ${k}×${k}, patch ${p}`
  }
  const o = SimVpOptions.parse(model.simvp ?? {})
  return `hid ${o.spatialChannels}/${o.translatorChannels}, N ${o.spatialBlocks}/${o.translatorBlocks}`
}

function measuredRow(
  base: RowBase,
  engine: BenchEngine,
  threads: number,
  timings: { train: PairedTimings; infer: PairedTimings },
  microBatchSize: number | null = null,
): TrainBenchRow {
  const train = median(timings.train.ours)
  const infer = median(timings.infer.ours)
  const ratio = (ours: number, theirs: readonly number[] | null) =>
    theirs ? round(ours / median(theirs)) : null
  const rounded = (xs: readonly number[] | null) => xs && xs.map((x) => round(x, 4))
  return {
    ...base,
    engine,
    microBatchSize,
    threads,
    trainSecondsPerIteration: round(train),
    inferSecondsPerPass: round(infer),
    trainGflopPerSecond: round(base.trainGflop / train),
    trainRatioToPyTorch: ratio(train, timings.train.reference),
    inferRatioToPyTorch: ratio(infer, timings.infer.reference),
    timings: {
      train: { ours: rounded(timings.train.ours)!, reference: rounded(timings.train.reference) },
      infer: { ours: rounded(timings.infer.ours)!, reference: rounded(timings.infer.reference) },
    },
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
    timings: null,
    skipped: why,
  }
}

function formatTable(rows: readonly TrainBenchRow[]): string {
  const header =
    '| cell | size, batch | engine | threads | train s/iter | GFLOP/s | × PyTorch | infer s/pass | × PyTorch |'
  const lines = rows.map((r) => {
    const cells = [
      r.cell,
      `${r.size}, batch ${r.batch}${r.microBatchSize ? ` (as ${Math.ceil(r.batch / r.microBatchSize)}×${r.microBatchSize})` : ''}`,
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

/** PyTorch's row of a case: the median of every timing it took beside our engines. */
function pytorchRow(base: RowBase, threads: number, rows: readonly TrainBenchRow[]): TrainBenchRow {
  const all = (pick: (t: NonNullable<TrainBenchRow['timings']>) => PairedTimings) =>
    rows.flatMap((r) => (r.timings ? (pick(r.timings).reference ?? []) : []))
  const train = median(all((t) => t.train))
  const infer = median(all((t) => t.infer))
  return {
    ...skippedRow(base, 'pytorch', ''),
    threads,
    trainSecondsPerIteration: round(train),
    inferSecondsPerPass: round(infer),
    trainGflopPerSecond: round(base.trainGflop / train),
    skipped: null,
  }
}

export async function runTrainBench(options: TrainBenchOptions = {}): Promise<TrainBenchReport> {
  const {
    cases = DEFAULT_CASES,
    backends = BACKEND_ORDER,
    warmup = 1,
    timings = 5,
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

  for (const { cell, shape } of cases) {
    const { model, train } = configsFor(cell, shape)
    const trainFlops = trainingConvFlops(model, shape.batch, STEPS)
    const inferFlops = forwardConvFlops(model, shape.batch, STEPS)
    const kernel = model.kernelSize
    const base: RowBase = {
      cell,
      size: sizeText(model),
      layers: shape.layers,
      hidden: shape.hidden,
      kernel,
      patch: model.patchSize,
      batch: shape.batch,
      trainGflop: round(trainFlops / 1e9),
    }
    const label = `${cell} ${base.size} batch ${shape.batch}`
    // Both made at the first engine measured, so a case every engine skips costs nothing.
    let data: ReturnType<typeof flyingDigitsBatches> | null = null
    let stepper: PyTorchStepper | null = null
    const caseRows: TrainBenchRow[] = []
    try {
      for (const engine of backends) {
        const probe = probed.find((p) => p.name === engine)
        if (!probe?.ok) {
          caseRows.push(skippedRow(base, engine, probe?.error ?? 'not probed'))
          continue
        }
        const report = await initBackend(engine)
        let microBatchSize: number
        try {
          microBatchSize = planBatch(
            report,
            estimateTrainingMemoryBytes(model, train, report),
          ).microBatchSize
        } catch (error) {
          caseRows.push(skippedRow(base, engine, (error as Error).message))
          continue
        }
        const predicted = ((trainFlops + inferFlops) / 1e9 / rate[engine]) * (warmup + timings)
        if (predicted > budgetSeconds) {
          const why = `predicted ~${round(predicted, 2)} s at ~${round(rate[engine], 2)} GFLOP/s (budget ${budgetSeconds} s)`
          caseRows.push(skippedRow(base, engine, why))
          continue
        }
        data ??= flyingDigitsBatches(shape.batch)
        if (!torchMissing && !stepper) {
          stepper = await openPyTorchStepper({
            cell,
            layers: shape.layers,
            hidden: shape.hidden,
            batch: shape.batch,
            kernel,
            patch: model.patchSize,
            modelOptions: JSON.stringify(referenceOptions(model, train)),
            threads: pytorchThreads,
            warmup,
            device: 'cpu',
          })
        }
        const ours = benchTrainer(cell, shape, microBatchSize, data.next)
        try {
          for (let i = 0; i < warmup; i++) await ours.step()
          const trainTimings = await interleave(ours.step, stepper?.trainSeconds ?? null, timings)
          await ours.infer()
          const inferTimings = await interleave(ours.infer, stepper?.inferSeconds ?? null, timings)
          const row = measuredRow(
            base,
            engine,
            report.threads,
            { train: trainTimings, infer: inferTimings },
            microBatchSize < shape.batch ? microBatchSize : null,
          )
          // Only ever raise the guess: a small shape, or one timed while others load the
          // machine, runs slower and must not get the real configurations skipped.
          rate[engine] = Math.max(rate[engine], row.trainGflopPerSecond!)
          caseRows.push(row)
          log(
            `${label} ${engine}: ${row.trainSecondsPerIteration} s/iter${row.trainRatioToPyTorch ? `, ${row.trainRatioToPyTorch}× PyTorch` : ''}`,
          )
        } finally {
          ours.dispose()
        }
      }
    } finally {
      stepper?.close()
      data?.dispose()
    }
    if (stepper) rows.push(pytorchRow(base, stepper.info.threads, caseRows))
    rows.push(...caseRows)
  }

  const loadEnd = loadavg()[0] ?? 0
  // Before our first measurement the machine should be idle; a busy start means others' work.
  const underLoad = loadStart > 0.5
  const table = formatTable(rows)
  log(table)
  if (underLoad)
    log(
      `Measured under load: 1-min load average ${round(loadStart, 2)} at start on ${cpus().length} cores; each ratio pairs timings taken alternately, so both engines saw it.`,
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
