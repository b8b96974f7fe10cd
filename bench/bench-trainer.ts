import * as tf from '@tensorflow/tfjs'
import {
  isRecurrentCell,
  ModelConfig,
  TrainConfig,
  type CellKind,
  type MauOptions,
  type SimVpOptions,
} from '../src-main/domain/model'
import { createTrainer } from '../src-main/ml/training'

/**
 * The product's trainer at a bench shape, shared by bench/train.ts (CPU backends) and
 * bench/gpu (webgpu, bundled without the data code). 64×64×1 clips, patch 4 unless a shape says
 * otherwise, 10 → 10 frames (19 recurrent steps; one pass of a non-recurrent model), Adam,
 * reverse input off, as bench/reference/predrnn_step.py has them.
 */

export interface BenchShape {
  readonly layers: number
  readonly hidden: number
  readonly batch: number
  /** Kernel size; 5 (the paper's) when absent. */
  readonly kernel?: number
  /** Patch size; 4 when absent. */
  readonly patch?: number
  /** What a preset sets beyond the stack: MAU's reduction and window, SimVP's sizes. */
  readonly options?: { readonly mau?: Partial<MauOptions>; readonly simvp?: Partial<SimVpOptions> }
  /** TAU's DDR weight α from its preset: the term is part of each iteration's work. */
  readonly ddrWeight?: number
}

export const DEFAULT_SHAPES: readonly BenchShape[] = [
  { layers: 2, hidden: 16, batch: 4 },
  { layers: 4, hidden: 32, batch: 8 },
  { layers: 4, hidden: 64, batch: 8 },
]

export const FRAMES_IN = 10
export const FRAMES_OUT = 10
export const STEPS = FRAMES_IN + FRAMES_OUT - 1
export function configsFor(cell: CellKind, shape: BenchShape) {
  const model = ModelConfig.parse({
    cell,
    hidden: Array(shape.layers).fill(shape.hidden),
    kernelSize: shape.kernel ?? 5,
    patchSize: shape.patch ?? 4,
    ...shape.options,
  })
  const train = TrainConfig.parse({
    batchSize: shape.batch,
    inputFrames: FRAMES_IN,
    outputFrames: FRAMES_OUT,
    reverseInput: false,
    // A non-recurrent model reads only true context (modelKindConflicts).
    ...(isRecurrentCell(cell) ? {} : { etaStart: 0 }),
    ...(shape.ddrWeight ? { ddrWeight: shape.ddrWeight } : {}),
  })
  return { model, train }
}

/** Where the bench's clips come from: a random batch (bench/gpu), or a frame store's batches. */
type ClipSource = () => Promise<tf.Tensor5D>

/**
 * The product's trainer for one shape on the active backend; bench/gpu and runTrainBench time
 * it an iteration at a time, between PyTorch's. Each step takes its clips from `clips` (a
 * fixed random batch when absent) and reads its loss back.
 */
export function benchTrainer(
  cell: CellKind,
  shape: BenchShape,
  microBatchSize = shape.batch,
  clips?: ClipSource,
) {
  const { model, train } = configsFor(cell, shape)
  const trainer = createTrainer(model, train, { microBatchSize })
  const frames = tf.randomUniform([shape.batch, FRAMES_IN + FRAMES_OUT, 64, 64, 1]) as tf.Tensor5D
  const next: ClipSource = clips ?? (async () => tf.clone(frames))
  return {
    trainer,
    /** One training iteration. */
    async step() {
      const input = await next()
      try {
        await trainer.step(input)
      } finally {
        input.dispose()
      }
    },
    /** One test-time rollout of the 10 guesses, read back. */
    async infer() {
      const out = trainer.predict(frames, FRAMES_IN, FRAMES_OUT)
      await out.data()
      out.dispose()
    },
    dispose() {
      frames.dispose()
      trainer.dispose()
    },
  }
}
