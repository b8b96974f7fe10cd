import { fileURLToPath } from 'node:url'
import * as tf from '@tensorflow/tfjs'
import { ModelConfig, TrainConfig } from '../src-main/domain/model'
import {
  assertFitsBackend,
  estimateTrainingMemoryBytes,
  initBackend,
  MemoryBudgetError,
  type BackendPreference,
} from '../src-main/ml/backend'
import { createNetwork } from '../src-main/ml/network'
import type { TmuSource } from '../src-main/ml/tmu/sources'
import { createTmuTrainer } from '../src-main/ml/tmu/tmu-trainer'
import { createTrainer } from '../src-main/ml/training'

/**
 * What transfer costs per training iteration: a TMU target (TMU at layer 1, as the release)
 * with M frozen ConvLSTM sources, against the same ConvLSTM backbone trained from scratch.
 * 64×64×1 clips, patch 4, 5×5 kernels, 10 → 10 frames (19 steps), Adam, λ = 0.1; one
 * iteration = one optimizer step (reverse input off, as bench/train.ts, so the ratio is per
 * step; reverse input doubles both sides). The TMU side adds M source forward passes, the
 * wider gate convolution with its layer norm, and the distillers.
 *
 * Clips are random: speed does not depend on content. Sources are randomly initialised for
 * the same reason. Shapes that the backend's memory cannot hold run at the largest batch the
 * estimate allows (src-main/ml/backend/memory.ts), or are skipped with the reason.
 */

export interface TmuBenchShape {
  readonly label: string
  readonly layers: number
  readonly hidden: number
  readonly batch: number
}

export const TMU_BENCH_SHAPES: readonly TmuBenchShape[] = [
  { label: 'small', layers: 2, hidden: 16, batch: 4 },
  { label: 'paper', layers: 4, hidden: 64, batch: 8 },
]

export interface TmuBenchOptions {
  readonly shapes?: readonly TmuBenchShape[]
  readonly backend?: BackendPreference
  /** Number of sources M (the paper: 2). */
  readonly sources?: number
  readonly warmup?: number
  readonly iterations?: number
  /** When a shape does not fit, run it at the largest batch that does (default true). */
  readonly shrinkBatch?: boolean
  readonly log?: (line: string) => void
}

export interface TmuBenchRow {
  readonly label: string
  readonly layers: number
  readonly hidden: number
  readonly requestedBatch: number
  /** The batch measured; null when skipped. */
  readonly batch: number | null
  readonly estimatedGigabytes: number
  readonly scratchSecondsPerIteration: number | null
  readonly tmuSecondsPerIteration: number | null
  /** TMU / scratch. */
  readonly overhead: number | null
  /** Why the shape was skipped or shrunk, else null. */
  readonly note: string | null
}

export interface TmuBenchReport {
  readonly backend: { name: string; threads: number; simd: boolean; reason: string }
  readonly sources: number
  readonly warmup: number
  readonly iterations: number
  readonly rows: TmuBenchRow[]
}

function configsFor(shape: TmuBenchShape, batch: number, sources: number) {
  const hidden = Array.from({ length: shape.layers }, () => shape.hidden)
  const scratch = ModelConfig.parse({ hidden })
  const tmu = ModelConfig.parse({ hidden, tmu: { sources } })
  const train = TrainConfig.parse({ batchSize: batch, reverseInput: false, distillWeight: 0.1 })
  return { scratch, tmu, train }
}

async function secondsPerIteration(
  step: (clip: tf.Tensor5D) => Promise<unknown>,
  batch: number,
  warmup: number,
  iterations: number,
): Promise<number> {
  const clip = tf.randomUniform([batch, 20, 64, 64, 1], 0, 1, 'float32', 1) as tf.Tensor5D
  try {
    for (let i = 0; i < warmup; i++) await step(clip)
    const started = performance.now()
    for (let i = 0; i < iterations; i++) await step(clip)
    return (performance.now() - started) / 1000 / iterations
  } finally {
    clip.dispose()
  }
}

/** The batch to measure, or the reason there is none. */
function fittingBatch(
  backend: { name: Parameters<typeof assertFitsBackend>[0]['name'] },
  shape: TmuBenchShape,
  sources: number,
  shrink: boolean,
): { batch: number | null; gigabytes: number; note: string | null } {
  const { tmu, train } = configsFor(shape, shape.batch, sources)
  const estimate = estimateTrainingMemoryBytes(tmu, train)
  const gigabytes = Math.round(estimate.totalBytes / 1e8) / 10
  try {
    assertFitsBackend(backend, estimate)
    return { batch: shape.batch, gigabytes, note: null }
  } catch (error) {
    if (!(error instanceof MemoryBudgetError)) throw error
    if (!shrink || error.maxBatchSize < 1) return { batch: null, gigabytes, note: error.message }
    return {
      batch: error.maxBatchSize,
      gigabytes,
      note: `batch ${shape.batch} ${error.message}; measured at batch ${error.maxBatchSize}`,
    }
  }
}

export async function runTmuBench(options: TmuBenchOptions = {}): Promise<TmuBenchReport> {
  const {
    shapes = TMU_BENCH_SHAPES,
    sources: sourceCount = 2,
    warmup = 1,
    iterations = 2,
    shrinkBatch = true,
    log = (line: string) => console.log(line),
  } = options
  const backend = await initBackend(options.backend ?? 'auto')
  log(`backend: ${backend.reason}`)
  const rows: TmuBenchRow[] = []
  for (const shape of shapes) {
    const fit = fittingBatch(backend, shape, sourceCount, shrinkBatch)
    const base = {
      label: shape.label,
      layers: shape.layers,
      hidden: shape.hidden,
      requestedBatch: shape.batch,
      batch: fit.batch,
      estimatedGigabytes: fit.gigabytes,
      note: fit.note,
    }
    if (fit.batch === null) {
      log(`${shape.label}: skipped, ${fit.note}`)
      rows.push({
        ...base,
        scratchSecondsPerIteration: null,
        tmuSecondsPerIteration: null,
        overhead: null,
      })
      continue
    }
    const { scratch, tmu, train } = configsFor(shape, fit.batch, sourceCount)
    const plain = createTrainer(scratch, train)
    const scratchSeconds = await secondsPerIteration(
      (c) => plain.step(c),
      fit.batch,
      warmup,
      iterations,
    )
    plain.dispose()

    const zoo: TmuSource[] = Array.from({ length: sourceCount }, (_, m) => ({
      name: `source-${m + 1}`,
      network: createNetwork(scratch, { seed: m + 1, trainable: false }),
    }))
    const target = createTmuTrainer(tmu, train, zoo)
    const tmuSeconds = await secondsPerIteration(
      (c) => target.step(c),
      fit.batch,
      warmup,
      iterations,
    )
    target.dispose()
    zoo.forEach((s) => s.network.dispose())

    const overhead = tmuSeconds / scratchSeconds
    log(
      `${shape.label} (${shape.layers}×${shape.hidden}, batch ${fit.batch}): scratch ` +
        `${scratchSeconds.toFixed(2)} s/it, TMU + ${sourceCount} sources ${tmuSeconds.toFixed(2)} s/it, ` +
        `overhead ×${overhead.toFixed(2)}${fit.note ? ` (${fit.note})` : ''}`,
    )
    rows.push({
      ...base,
      scratchSecondsPerIteration: round(scratchSeconds),
      tmuSecondsPerIteration: round(tmuSeconds),
      overhead: round(overhead),
    })
  }
  return {
    backend: {
      name: backend.name,
      threads: backend.threads,
      simd: backend.simd,
      reason: backend.reason,
    },
    sources: sourceCount,
    warmup,
    iterations,
    rows,
  }
}

const round = (x: number) => Math.round(x * 1000) / 1000

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const backend = process.argv.includes('--cpu') ? 'cpu' : 'auto'
  const report = await runTmuBench({ backend })
  console.log(JSON.stringify(report, null, 2))
}
