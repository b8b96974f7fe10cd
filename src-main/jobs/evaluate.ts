import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FrameStore, SplitName } from '../data/frame-store'
import { createBatcher } from '../data/batcher'
import { createMetricAccumulator, type MetricSummary } from '../ml/metrics/metric-accumulator'
import { quantize8bit } from '../ml/metrics/quantize'
import type * as tf from '@tensorflow/tfjs'
import type { ClipMaps } from '../ml/tmu/clip-maps'
import type { ClipIntrospection } from '../ml/tmu/introspection'
import { TMU_MAP_CLIPS } from '../domain/runs'
import { sliceTime } from '../ml/time-axis'
import type { Trainer } from '../ml/training'
import { writeFileAtomic } from '../util/atomic-write'
import { clipsToTensor, truthFrames } from './clip-tensor'
import {
  predictionFiles,
  type PredictionsIndex,
  type SavedClipGates,
  type SavedMapsIndex,
} from './prediction-files'

export interface EvaluateOptions {
  split: SplitName
  inputFrames: number
  outputFrames: number
  batchSize: number
  /** Score at most this many clips (the first ones, in store order); null = all. */
  maxClips: number | null
  /**
   * Roll on, on the network's own guesses, to this many predicted frames (≥ outputFrames) and
   * score the lead times past `outputFrames` apart, as `beyond`; the trained lead times are
   * scored, saved and inspected exactly as without it. Defaults to `outputFrames`.
   */
  horizonFrames?: number
  /** Also save the predictions to this folder (jobs/prediction-files.ts). */
  predictionsDir?: string
  /**
   * TMU targets: per-clip introspection of a batch ([B, T, H, W, C] in [0, 1]), saved in
   * clip order beside the predictions.
   */
  inspect?: (framesBTHWC: tf.Tensor5D) => Promise<ClipIntrospection[]>
  /** TMU targets: per-pixel maps of the first TMU_MAP_CLIPS clips, saved beside the predictions. */
  inspectMaps?: (framesBTHWC: tf.Tensor5D) => Promise<ClipMaps>
  /**
   * Hands the uint8 predictions of the first `clips` clips (trained lead times) to `save` with
   * their layout: what training keeps of each validation (jobs/step-predictions.ts), taken from
   * this rollout rather than a second one.
   */
  keepFirst?: { clips: number; save(framesNTHWC: Uint8Array, layout: PredictionsIndex): void }
}

/** Scores of the lead times past the trained horizon, T_out + 1 … horizon (per lead time). */
export type BeyondHorizon = Pick<MetricSummary, 'mse' | 'mae' | 'ssim' | 'psnr' | 'nonFinite'>

export interface Evaluation extends MetricSummary {
  /** Null when scored to the trained horizon only. */
  beyond: BeyondHorizon | null
  /** The rollouts' own time, read back included (scoring and saving not), per clip. */
  inference: { secondsPerClip: number; frames: number }
}

/**
 * How far the test split is scored (docs/method.md §5.2): 3×, else 2× the trained T_out where
 * the clips hold T_in + that many frames, else T_out alone.
 */
export function testHorizon(inputFrames: number, outputFrames: number, clipFrames: number) {
  const multiple = [3, 2].find((k) => inputFrames + k * outputFrames <= clipFrames) ?? 1
  return multiple * outputFrames
}

/**
 * Test-time rollout (η = 0) over the first clips of a split, scored with the method's
 * metrics (docs/method.md §5). Predictions stream to a temporary file renamed into place at the
 * end, so a run killed mid-evaluation keeps its previous predictions.
 */
export async function evaluateSplit(
  trainer: Trainer,
  store: FrameStore,
  options: EvaluateOptions,
): Promise<Evaluation> {
  const { H, W, C } = store.manifest.shape
  const available = store.splitSize(options.split)
  const count = Math.min(available, options.maxClips ?? available)
  if (count === 0) throw new Error(`dataset has no ${options.split} clips to evaluate on`)
  const { inputFrames, outputFrames } = options
  const horizon = options.horizonFrames ?? outputFrames
  if (horizon < outputFrames) {
    throw new Error(`evaluate: horizon ${horizon} is shorter than the trained ${outputFrames}`)
  }
  const accumulator = createMetricAccumulator({
    frames: outputFrames,
    height: H,
    width: W,
    channels: C,
  })
  const beyond =
    horizon > outputFrames
      ? createMetricAccumulator({
          frames: horizon - outputFrames,
          height: H,
          width: W,
          channels: C,
        })
      : null
  const batcher = createBatcher(store, {
    split: options.split,
    batchSize: Math.min(options.batchSize, count),
    shuffle: false,
    dropLast: false,
  })
  const files = options.predictionsDir
    ? predictionFiles(options.predictionsDir, options.split)
    : null
  const sink = files ? openPredictionsSink(files.frames) : null
  const clips: number[] = []
  const keepCount = Math.min(count, options.keepFirst?.clips ?? 0)
  const kept = new Uint8Array(keepCount * outputFrames * H * W * C)
  // Typed as the file's schema, so the introspection and the reader cannot drift apart.
  const gates: SavedClipGates[] = []
  const maps: Float32Array[] = []
  let mapsLayout: ClipMaps['layout'] | null = null
  let rolloutSeconds = 0
  let rolledOut = 0
  try {
    while (clips.length < count) {
      const batch = await batcher.next()
      const take = Math.min(batch.clipIndices.length, count - clips.length)
      const input = clipsToTensor(batch.framesBTHWC, batch.shape, inputFrames + horizon)
      // The inference speed a run reports: the rollout to its values on the host, as a user's
      // prediction gets them (read before the introspection, so that is not counted).
      const started = performance.now()
      const prediction = trainer.predict(input, inputFrames, horizon)
      const predicted = (await prediction.data()) as Float32Array
      rolloutSeconds += (performance.now() - started) / 1000
      rolledOut += batch.clipIndices.length
      prediction.dispose()
      if (options.inspect) {
        // Over the trained steps, as a run scored to its trained horizon only.
        const trained =
          horizon === outputFrames ? input : sliceTime(input, 0, inputFrames + outputFrames)
        gates.push(...(await options.inspect(trained)).slice(0, take))
        if (trained !== input) trained.dispose()
      }
      const mapsWanted = Math.min(take, TMU_MAP_CLIPS - maps.length)
      if (options.inspectMaps && mapsWanted > 0) {
        const trained =
          horizon === outputFrames ? input : sliceTime(input, 0, inputFrames + outputFrames)
        const inspected = await options.inspectMaps(trained)
        if (trained !== input) trained.dispose()
        mapsLayout = inspected.layout
        maps.push(...inspected.perClip.slice(0, mapsWanted))
      }
      input.dispose()
      const truth = truthFrames(batch.framesBTHWC, batch.shape, inputFrames, horizon)
      const frameSize = H * W * C
      const [trainedPrediction, beyondPrediction] = splitLeadTimes(
        predicted,
        take,
        horizon,
        outputFrames,
        frameSize,
      )
      const [trainedTruth, beyondTruth] = splitLeadTimes(
        truth,
        take,
        horizon,
        outputFrames,
        frameSize,
      )
      accumulator.addBatch(trainedPrediction, trainedTruth)
      beyond?.addBatch(beyondPrediction, beyondTruth)
      if (sink || clips.length < keepCount) {
        const bytes = quantize8bit(trainedPrediction, 0, new Uint8Array(trainedPrediction.length))
        sink?.write(bytes)
        const offset = clips.length * outputFrames * frameSize
        if (offset < kept.length) kept.set(bytes.subarray(0, kept.length - offset), offset)
      }
      clips.push(...batch.clipIndices.slice(0, take))
    }
    if (options.keepFirst && keepCount > 0) {
      options.keepFirst.save(kept, {
        split: options.split,
        dtype: 'uint8',
        layout: 'NTHWC',
        shape: [keepCount, outputFrames, H, W, C],
        clips: clips.slice(0, keepCount),
        inputFrames,
      })
    }
    if (sink && files) {
      sink.commit()
      const index: PredictionsIndex = {
        split: options.split,
        dtype: 'uint8',
        layout: 'NTHWC',
        shape: [count, outputFrames, H, W, C],
        clips,
        inputFrames,
      }
      writeFileAtomic(files.index, JSON.stringify(index))
      if (options.inspect) writeFileAtomic(files.gates, JSON.stringify(gates))
      if (mapsLayout) {
        // The floats first: an index names only maps that are whole on disk.
        writeFileAtomic(
          files.maps,
          maps.map((m) => new Uint8Array(m.buffer, m.byteOffset, m.byteLength)),
        )
        const mapsIndex: SavedMapsIndex = {
          dtype: 'float32',
          clips: clips.slice(0, maps.length),
          ...mapsLayout,
          layers: [...mapsLayout.layers],
        }
        writeFileAtomic(files.mapsIndex, JSON.stringify(mapsIndex))
      }
    }
  } catch (error) {
    sink?.abort()
    throw error
  }
  const extra = beyond?.summarize()
  return {
    ...accumulator.summarize(),
    beyond: extra
      ? {
          mse: extra.mse,
          mae: extra.mae,
          ssim: extra.ssim,
          psnr: extra.psnr,
          nonFinite: extra.nonFinite,
        }
      : null,
    inference: { secondsPerClip: rolloutSeconds / rolledOut, frames: horizon },
  }
}

/**
 * The first `clips` clips of [N, horizon, …] values cut at lead time `at`: [N, at, …] and
 * [N, horizon − at, …] (copies; the first is the input itself when nothing lies past `at`).
 */
function splitLeadTimes(
  values: Float32Array,
  clips: number,
  horizon: number,
  at: number,
  frameSize: number,
): [Float32Array, Float32Array] {
  if (horizon === at) return [values.subarray(0, clips * at * frameSize), new Float32Array(0)]
  const first = new Float32Array(clips * at * frameSize)
  const rest = new Float32Array(clips * (horizon - at) * frameSize)
  for (let b = 0; b < clips; b++) {
    const clip = values.subarray(b * horizon * frameSize, (b + 1) * horizon * frameSize)
    first.set(clip.subarray(0, at * frameSize), b * at * frameSize)
    rest.set(clip.subarray(at * frameSize), b * (horizon - at) * frameSize)
  }
  return [first, rest]
}

/** A file written in pieces that appears under its name only when committed. */
function openPredictionsSink(path: string) {
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.partial`
  const fd = openSync(temporary, 'w')
  let open = true
  return {
    write(bytes: Uint8Array) {
      let offset = 0
      while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset)
    },
    commit() {
      fsyncSync(fd)
      closeSync(fd)
      open = false
      renameSync(temporary, path)
    },
    abort() {
      if (open) closeSync(fd)
      open = false
      rmSync(temporary, { force: true })
    },
  }
}
