import * as tf from '@tensorflow/tfjs'
import { createBatcher, type BatchCursor } from '../data/batcher'
import { openFrameStore, type FrameStore } from '../data/frame-store'
import { initBackend } from '../ml/backend'
import { estimateTrainingMemoryBytes, planBatch } from '../ml/backend/memory'
import type { MetricSummary } from '../ml/metrics/metric-accumulator'
import type { RngState } from '../ml/random'
import {
  pruneCheckpoints,
  readBestCheckpoint,
  writeBestCheckpoint,
  type BestCheckpoint,
} from './checkpoint-retention'
import { clipsToTensor } from './clip-tensor'
import { evaluateSplit, testHorizon } from './evaluate'
import { predictionsDir, type PredictionsIndex } from './prediction-files'
import { forgetStepPredictionsAfter, saveStepPredictions, STEP_CLIPS } from './step-predictions'
import { describeNonFiniteLoss } from './non-finite-loss'
import { createProgressMeter } from './progress-meter'
import { introspectionRows } from './tmu-metrics'
import { inspectClipMaps } from '../ml/tmu/clip-maps'
import { inspectClips } from '../ml/tmu/introspection'
import { createRunTrainer, restoreLatestWeights, type RunTrainer } from './run-trainer'
import { saveCheckpoint } from './save-checkpoint'
import {
  TRAINER_PROTOCOL_VERSION,
  type MetricRow,
  type TrainerMessage,
  type TrainJobSpec,
} from './trainer-protocol'
import { optimizerListFromTensorMap } from '../ml/tensor-map'
import { requireRecurrentNetwork } from '../ml/forecast-network'

/** How the job learns it should stop or pause, and where its messages go. */
export interface TrainJobControl {
  send(message: TrainerMessage): void
  stopRequested(): boolean
  /** Resolves at once unless paused; then when resumed or stopped. */
  whilePaused(): Promise<void>
}

/** Progress messages at most this often: enough for a live chart, cheap for the host. */
const PROGRESS_INTERVAL_MS = 500
/** Metric rows are sent in batches; the host writes each batch in one transaction. */
const METRICS_FLUSH_MS = 1_000

/** Training loss is the only per-iteration series; the rest come with evaluations. */
export async function runTrainJob(spec: TrainJobSpec, control: TrainJobControl): Promise<void> {
  const backend = await initBackend(spec.backend)
  const plan = planBatch(backend, estimateTrainingMemoryBytes(spec.model, spec.train, backend))
  const store = openFrameStore(spec.datasetDir)
  const trainer = createRunTrainer(spec, { microBatchSize: plan.microBatchSize })
  try {
    checkDatasetFits(spec, store)
    const resumed = spec.resume ? await restoreLatest(trainer, spec) : null
    control.send({
      type: 'started',
      version: TRAINER_PROTOCOL_VERSION,
      backend: backend.name,
      backendReason: plan.note ? `${backend.reason}. ${plan.note}` : backend.reason,
      iteration: trainer.iteration,
      notes: resumed?.notes ?? [],
    })
    if (spec.evaluateOnly) {
      await finalEvaluation(trainer, store, spec, control)
      control.send({ type: 'finished', iteration: trainer.iteration, reason: 'completed' })
      return
    }
    await trainLoop(trainer, store, spec, control, backend.name, resumed?.cursor)
  } finally {
    trainer.dispose()
    await store.close()
  }
}

async function trainLoop(
  trainer: RunTrainer,
  store: FrameStore,
  spec: TrainJobSpec,
  control: TrainJobControl,
  backendName: string,
  cursor: BatchCursor | undefined,
) {
  const { train } = spec
  const frames = train.inputFrames + train.outputFrames
  const batcher = createBatcher(store, {
    split: 'train',
    batchSize: train.batchSize,
    seed: train.seed,
    ...(cursor ? { cursor } : {}),
  })
  const meter = createProgressMeter(trainer.iteration, train.iterations)
  forgetStepPredictionsAfter(spec.runDir, trainer.iteration)
  const validation = {
    split: store.splitSize('val') > 0 ? ('val' as const) : ('test' as const),
    inputFrames: train.inputFrames,
    outputFrames: train.outputFrames,
    batchSize: train.batchSize,
  }
  /** Each evaluation keeps the step clips' predictions, for the run page's step slider. */
  const keepStep = (iteration: number) => ({
    clips: STEP_CLIPS,
    save: (frames: Uint8Array, layout: PredictionsIndex) =>
      saveStepPredictions(spec.runDir, iteration, layout, frames),
  })
  let rows: MetricRow[] = []
  let lastFlush = Date.now()
  let lastProgress = 0
  let lastCheckpoint = trainer.iteration
  let best: Pick<BestCheckpoint, 'iteration' | 'value'> | null = readBestCheckpoint(
    spec.runDir,
    trainer.iteration,
  )
  /** A validation score better than `best`, waiting for its checkpoint to be written. */
  let candidate: typeof best = null
  const flush = () => {
    if (rows.length) control.send({ type: 'metrics', rows })
    rows = []
    lastFlush = Date.now()
  }
  const checkpoint = async () => {
    flush()
    const iteration = trainer.iteration
    const folder = await saveCheckpoint(trainer, spec, batcher.cursor, backendName, lastCheckpoint)
    lastCheckpoint = iteration
    const isBest = candidate?.iteration === iteration
    if (isBest) {
      writeBestCheckpoint(spec.runDir, iteration, candidate!.value)
      best = candidate
    }
    const pruned = pruneCheckpoints(spec.runDir, train.keepCheckpoints, best?.iteration ?? null)
    control.send({ type: 'checkpoint', iteration, folder, best: isBest, pruned })
  }

  while (trainer.iteration < train.iterations) {
    await control.whilePaused()
    if (control.stopRequested()) {
      if (trainer.iteration > lastCheckpoint) await checkpoint()
      flush()
      control.send({ type: 'finished', iteration: trainer.iteration, reason: 'stopped' })
      return
    }
    const batch = await batcher.next()
    const input = clipsToTensor(batch.framesBTHWC, batch.shape, frames)
    const result = await trainer.step(input).finally(() => input.dispose())
    const { loss, eta } = result
    if (!Number.isFinite(loss)) {
      flush()
      throw new Error(
        describeNonFiniteLoss({
          loss,
          iteration: trainer.iteration,
          backend: backendName,
          learningRate: train.learningRate,
          lastCheckpoint,
        }),
      )
    }
    const iteration = trainer.iteration
    rows.push({ iteration, name: 'train/loss', value: loss })
    if (result.introspection) {
      rows.push(
        ...introspectionRows(iteration, result.introspection, iteration % train.evalEvery === 0),
      )
    }
    const progress = meter.record(iteration)
    if (Date.now() - lastProgress >= PROGRESS_INTERVAL_MS || iteration === train.iterations) {
      lastProgress = Date.now()
      control.send({
        type: 'progress',
        iteration,
        total: train.iterations,
        loss,
        samplingEta: eta,
        ...progress,
      })
    }
    if (Date.now() - lastFlush >= METRICS_FLUSH_MS) flush()
    if (iteration % train.evalEvery === 0 && iteration < train.iterations) {
      const summary = await evaluateSplit(trainer, store, {
        ...validation,
        maxClips: spec.validationClips,
        keepFirst: keepStep(iteration),
      })
      rows.push(...summaryRows(iteration, 'val', summary))
      control.send({ type: 'evaluation', split: 'val', iteration, summary: serialisable(summary) })
      if (Number.isFinite(summary.meanMse) && (!best || summary.meanMse < best.value)) {
        candidate = { iteration, value: summary.meanMse }
      }
    } else if (iteration === train.iterations) {
      // The last step too, so the slider ends on the trained model; the step clips alone, as
      // the test evaluation that follows scores it. The checkpoint after it tells the host.
      await evaluateSplit(trainer, store, {
        ...validation,
        maxClips: STEP_CLIPS,
        keepFirst: keepStep(iteration),
      })
    }
    // A new best validation score is checkpointed at once, so that retention can keep it.
    if (iteration % train.checkpointEvery === 0 || candidate?.iteration === iteration) {
      await checkpoint()
    }
  }
  if (trainer.iteration > lastCheckpoint) await checkpoint()
  flush()
  await finalEvaluation(trainer, store, spec, control)
  control.send({ type: 'finished', iteration: trainer.iteration, reason: 'completed' })
}

async function finalEvaluation(
  trainer: RunTrainer,
  store: FrameStore,
  spec: TrainJobSpec,
  control: TrainJobControl,
) {
  const summary = await evaluateSplit(trainer, store, {
    split: 'test',
    inputFrames: spec.train.inputFrames,
    outputFrames: spec.train.outputFrames,
    // Past the trained horizon too, where the clips are long enough (docs/method.md §5.2).
    horizonFrames: testHorizon(
      spec.train.inputFrames,
      spec.train.outputFrames,
      store.manifest.shape.T,
    ),
    batchSize: spec.train.batchSize,
    maxClips: spec.testClips,
    predictionsDir: predictionsDir(spec.runDir),
    // Which source the target listens to, per test clip: inference needs no source.
    ...(spec.model.tmu
      ? {
          inspect: (frames) =>
            inspectClips(requireRecurrentNetwork(trainer.network), frames, {
              inputFrames: spec.train.inputFrames,
            }),
          inspectMaps: (frames) =>
            inspectClipMaps(requireRecurrentNetwork(trainer.network), frames, spec.train),
        }
      : {}),
  })
  control.send({ type: 'metrics', rows: summaryRows(trainer.iteration, 'test', summary) })
  control.send({
    type: 'evaluation',
    split: 'test',
    iteration: trainer.iteration,
    summary: serialisable(summary),
  })
}

function summaryRows(iteration: number, split: string, s: MetricSummary): MetricRow[] {
  const finite = (v: number) => (Number.isFinite(v) ? v : null)
  return [
    { iteration, name: `${split}/mse`, value: finite(s.meanMse) },
    { iteration, name: `${split}/mae`, value: finite(s.meanMae) },
    { iteration, name: `${split}/ssim`, value: finite(s.meanSsim) },
    { iteration, name: `${split}/psnr`, value: finite(s.meanPsnr) },
  ]
}

/** JSON has no Infinity (PSNR of identical frames): it travels as null. */
function serialisable(summary: MetricSummary): Record<string, unknown> {
  return JSON.parse(JSON.stringify(summary)) as Record<string, unknown>
}

function checkDatasetFits(spec: TrainJobSpec, store: FrameStore) {
  const { T, H, W, C } = store.manifest.shape
  const { model, train } = spec
  const problems: string[] = []
  if (H !== model.imageHeight || W !== model.imageWidth) {
    problems.push(
      `frames are ${H}×${W}, the model expects ${model.imageHeight}×${model.imageWidth}`,
    )
  }
  if (C !== model.channels)
    problems.push(`frames have ${C} channels, the model expects ${model.channels}`)
  if (T < train.inputFrames + train.outputFrames) {
    problems.push(
      `clips have ${T} frames, the run needs ${train.inputFrames} + ${train.outputFrames}`,
    )
  }
  if (store.splitSize('train') < train.batchSize && !spec.evaluateOnly) {
    problems.push(
      `the train split has ${store.splitSize('train')} clips, fewer than one batch of ${train.batchSize}`,
    )
  }
  if (problems.length) throw new Error(`dataset ${store.dir}: ${problems.join('; ')}`)
}

/** Loads the newest complete checkpoint, saying which damaged ones it passed over. */
async function restoreLatest(
  trainer: RunTrainer,
  spec: TrainJobSpec,
): Promise<{ cursor?: BatchCursor; notes: string[] }> {
  const { latest, skipped } = restoreLatestWeights(trainer, spec.runDir, spec.model)
  const notes = skipped.map((s) => `skipped damaged checkpoint ${s.name}: ${s.reason}`)
  if (!latest) return { notes }
  const optimizer = optimizerListFromTensorMap(latest.checkpoint.optimizer)
  try {
    await trainer.importOptimizerWeights(optimizer)
  } finally {
    tf.dispose(optimizer.map((o) => o.tensor))
  }
  const state = latest.checkpoint.state
  trainer.setState({ iteration: state.iteration, rng: state.rng as unknown as RngState })
  return { cursor: state.dataCursor as unknown as BatchCursor, notes }
}
