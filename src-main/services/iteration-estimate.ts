import type { RunConfig } from '../api/contract'
import { forwardConvFlops, trainingConvFlops } from '../ml/conv-flops'
import type { BackendName, BackendProbe } from '../domain/backends'
import { estimateTrainingMemoryBytes, MemoryBudgetError, planBatch } from '../ml/backend/memory'

/**
 * What one training iteration costs on a backend: a fixed part (kernel dispatch, the
 * elementwise gate and loss work, which do not grow with the convolutions' width) plus the
 * convolution FLOPs at a sustained rate, both as measured with `threads` threads.
 */
interface IterationCost {
  readonly fixedSeconds: number
  readonly gflopPerSecond: number
  /** Threads the figures were measured with; the rate is scaled linearly from there. */
  readonly threads: number
  /** At most this many threads help (wasm's pool stops scaling at 8). */
  readonly maxThreads: number
}

/**
 * onednn and wasm: a least-squares fit (of the relative error) of `fixed + GFLOP / rate` to
 * the 12 measured rows of bench/results/train-2026-11-25.json: ConvLSTM and PredRNN, 2×16
 * batch 4 to 4×64 batch 8 (12–1410 GFLOP per iteration), on the 2-core AMD EPYC reference
 * machine with 2 threads (2026-11-25, commit c323e31, under load). The fit gives onednn
 * 0.153 s + 213 GFLOP/s and wasm 0.175 s + 39 GFLOP/s and lands within 15 % of every row;
 * the fixed part is why a flat GFLOP/s was 2.2–2.4× off at the small end. The interleaved run
 * of 2026-12-02 (bench/results/train.json) was taken beside other work (load 0.1 rising to
 * 4.3) and reads up to 3.3× slower on wasm's PredRNN 2×16, so it is not the fit's basis: refit
 * on a quiet machine. Scaling past 2 threads is not measured: the rate is assumed linear in
 * threads, which overstates it on many cores.
 *
 * tensorflow, tensorflow-gpu and cpu have no measured rows (the first two were not installed
 * on the bench machine; cpu was skipped as over budget at the bench's own guess of
 * 0.05 GFLOP/s), so their figures are guesses: libtensorflow on a CPU like onednn, a
 * mid-range CUDA GPU at 2 TFLOP/s, and the bench's cpu guess.
 */
const ITERATION_COST: Partial<Record<BackendName, IterationCost>> = {
  onednn: { fixedSeconds: 0.15, gflopPerSecond: 210, threads: 2, maxThreads: Infinity },
  wasm: { fixedSeconds: 0.18, gflopPerSecond: 39, threads: 2, maxThreads: 8 },
  tensorflow: { fixedSeconds: 0.15, gflopPerSecond: 210, threads: 2, maxThreads: Infinity },
  'tensorflow-gpu': { fixedSeconds: 0.05, gflopPerSecond: 2_000, threads: 1, maxThreads: 1 },
  cpu: { fixedSeconds: 0, gflopPerSecond: 0.05, threads: 1, maxThreads: 1 },
}

/**
 * Each TMU source costs this share of a training iteration of a network shaped like it: its
 * forward pass for the memory bank, plus the distiller and transfer gate it adds to the
 * target. bench/results/tmu.json (onednn, 2 sources shaped like the target, same machine)
 * measured a TMU iteration at 2.22× (2×16, batch 4) and 2.14× (4×64, batch 8) the scratch
 * one: (2.2 − 1) / 2 ≈ 0.6 per source. Its conv FLOPs alone (one forward, a third of an
 * iteration) would say 0.33, and miss the small model by 1.5×.
 */
const SOURCE_SHARE = 0.6

export interface IterationEstimate {
  backend: string
  secondsPerIteration: number
  totalSeconds: number
  gflopPerIteration: number
  memory: { neededBytes: number; refusal: string | null; note: string | null }
}

/**
 * Seconds per training iteration of `config` on the backend `auto` would pick (or the one
 * asked for), from its convolution FLOPs (forward and both gradients, twice with reverse
 * input) and the measured cost of each TMU source. `gflopPerIteration` counts the
 * convolutions only: training, plus one forward pass per source.
 */
export function estimateIteration(
  config: RunConfig,
  sources: RunConfig['model'][],
  backends: BackendProbe[],
  cores: number,
): IterationEstimate | null {
  const backend = plannedBackend(config, backends)
  const cost = backend ? ITERATION_COST[backend] : undefined
  if (!backend || !cost) return null
  const { model, train } = config
  const steps = train.inputFrames + train.outputFrames - 1
  const passes = train.reverseInput ? 2 : 1
  const threads = Math.max(1, Math.min(cores, cost.maxThreads))
  const gflopPerSecond = (cost.gflopPerSecond * threads) / cost.threads
  const trainingSeconds = (m: RunConfig['model']) =>
    cost.fixedSeconds + trainingConvFlops(m, train.batchSize, steps) / 1e9 / gflopPerSecond
  const secondsPerIteration =
    passes *
    (trainingSeconds(model) +
      sources.reduce((sum, source) => sum + SOURCE_SHARE * trainingSeconds(source), 0))
  const flops =
    passes *
    (trainingConvFlops(model, train.batchSize, steps) +
      sources.reduce((sum, source) => sum + forwardConvFlops(source, train.batchSize, steps), 0))
  return {
    backend,
    secondsPerIteration,
    totalSeconds: secondsPerIteration * train.iterations,
    gflopPerIteration: flops / 1e9,
    memory: memoryOn(backend, config),
  }
}

/** The backend the run will train on: the one asked for, or the first that loads for `auto`. */
export function plannedBackend(
  config: RunConfig,
  backends: BackendProbe[],
): BackendName | undefined {
  const usable = backends.filter(
    (b) => b.ok && (config.backend === 'auto' || b.name === config.backend),
  )
  return usable[0]?.name as BackendName | undefined // a probe names a known backend
}

/**
 * Whether the run can train on `backend`, judged as the trainer will (train-job.ts plans its
 * batch the same way), so the form and runs.create refuse what would only start as a failed
 * run.
 */
export function memoryOn(backend: BackendName, config: RunConfig): IterationEstimate['memory'] {
  const estimate = estimateTrainingMemoryBytes(config.model, config.train, { name: backend })
  try {
    const plan = planBatch({ name: backend }, estimate)
    return { neededBytes: estimate.totalBytes, refusal: null, note: plan.note }
  } catch (error) {
    if (!(error instanceof MemoryBudgetError)) throw error
    return { neededBytes: estimate.totalBytes, refusal: error.message, note: null }
  }
}
