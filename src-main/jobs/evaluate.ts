import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FrameStore, SplitName } from '../data/frame-store'
import { createBatcher } from '../data/batcher'
import { createMetricAccumulator, type MetricSummary } from '../ml/metrics/metric-accumulator'
import { quantize8bit } from '../ml/metrics/quantize'
import type * as tf from '@tensorflow/tfjs'
import type { ClipIntrospection } from '../ml/tmu/introspection'
import type { Trainer } from '../ml/training'
import { writeFileAtomic } from '../util/atomic-write'
import { clipsToTensor, truthFrames } from './clip-tensor'
import { predictionFiles, type PredictionsIndex, type SavedClipGates } from './prediction-files'

export interface EvaluateOptions {
  split: SplitName
  inputFrames: number
  outputFrames: number
  batchSize: number
  /** Score at most this many clips (the first ones, in store order); null = all. */
  maxClips: number | null
  /** Also save the predictions to this folder (jobs/prediction-files.ts). */
  predictionsDir?: string
  /**
   * TMU targets: per-clip introspection of a batch ([B, T, H, W, C] in [0, 1]), saved in
   * clip order beside the predictions.
   */
  inspect?: (framesBTHWC: tf.Tensor5D) => Promise<ClipIntrospection[]>
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
): Promise<MetricSummary> {
  const { H, W, C } = store.manifest.shape
  const available = store.splitSize(options.split)
  const count = Math.min(available, options.maxClips ?? available)
  if (count === 0) throw new Error(`dataset has no ${options.split} clips to evaluate on`)
  const frames = options.inputFrames + options.outputFrames
  const accumulator = createMetricAccumulator({
    frames: options.outputFrames,
    height: H,
    width: W,
    channels: C,
  })
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
  // Typed as the file's schema, so the introspection and the reader cannot drift apart.
  const gates: SavedClipGates[] = []
  try {
    while (clips.length < count) {
      const batch = await batcher.next()
      const take = Math.min(batch.clipIndices.length, count - clips.length)
      const input = clipsToTensor(batch.framesBTHWC, batch.shape, frames)
      const prediction = trainer.predict(input, options.inputFrames, options.outputFrames)
      if (options.inspect) gates.push(...(await options.inspect(input)).slice(0, take))
      input.dispose()
      const predicted = (await prediction.data()) as Float32Array
      prediction.dispose()
      const perClip = options.outputFrames * H * W * C
      const truth = truthFrames(
        batch.framesBTHWC,
        batch.shape,
        options.inputFrames,
        options.outputFrames,
      )
      accumulator.addBatch(predicted.subarray(0, take * perClip), truth.subarray(0, take * perClip))
      sink?.write(
        quantize8bit(predicted.subarray(0, take * perClip), 0, new Uint8Array(take * perClip)),
      )
      clips.push(...batch.clipIndices.slice(0, take))
    }
    if (sink && files) {
      sink.commit()
      const index: PredictionsIndex = {
        split: options.split,
        dtype: 'uint8',
        layout: 'NTHWC',
        shape: [count, options.outputFrames, H, W, C],
        clips,
        inputFrames: options.inputFrames,
      }
      writeFileAtomic(files.index, JSON.stringify(index))
      if (options.inspect) writeFileAtomic(files.gates, JSON.stringify(gates))
    }
  } catch (error) {
    sink?.abort()
    throw error
  }
  return accumulator.summarize()
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
