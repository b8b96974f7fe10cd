import { z } from 'zod'
import { join } from 'node:path'
import type { SplitName } from '../data/frame-store'

/**
 * The files an evaluation leaves in a run's `predictions/` folder: written by the trainer
 * (jobs/evaluate.ts), read back by the main side for the UI. The JSON is checked against
 * these schemas on the way back in, so a file from another build or a torn write reads as
 * a clear error, not as wrong numbers.
 */

/** Layout of a saved predictions file, written beside it as JSON. */
export const PredictionsIndex = z.object({
  split: z.enum(['train', 'val', 'test']) satisfies z.ZodType<SplitName>,
  dtype: z.literal('uint8'),
  layout: z.literal('NTHWC'),
  shape: z.tuple([
    z.number().int(),
    z.number().int(),
    z.number().int(),
    z.number().int(),
    z.number().int(),
  ]),
  /** Positions within the split of the clips predicted, in file order. */
  clips: z.array(z.number().int()),
  inputFrames: z.number().int(),
})
export type PredictionsIndex = z.infer<typeof PredictionsIndex>

/**
 * Predictions kept during training (jobs/step-predictions.ts): one frames file per evaluation,
 * all of the same clips and shape, and the iterations they were made at, ascending.
 */
export const StepPredictionsIndex = PredictionsIndex.extend({
  iterations: z.array(z.number().int()),
})
export type StepPredictionsIndex = z.infer<typeof StepPredictionsIndex>

/** What a TMU target's evaluation saves per clip (ml/tmu/introspection.ts computes it). */
export const SavedClipGates = z.object({
  /** gateMean[j][m][t] for this clip, over channels and pixels. */
  gateMean: z.array(z.array(z.array(z.number()))),
  /** distillMse[j][m] for this clip; null when evaluated without sources. */
  distillMse: z.array(z.array(z.number())).nullable(),
  /**
   * memoryMagnitude[l][t]: mean |C_t| per layer and step (docs/method.md §3.8); absent in files
   * written before it was kept, null where it overflowed to ±Inf or NaN (JSON has neither).
   */
  memoryMagnitude: z.array(z.array(z.number().nullable())).optional(),
})
export type SavedClipGates = z.infer<typeof SavedClipGates>

/**
 * Layout of a TMU target's per-pixel maps (ml/tmu/clip-maps.ts), written beside them as JSON:
 * float32 little-endian, per clip [layers][leadTimes][2·sources + 1 planes][height][width],
 * for the first `clips` of the split (TMU_MAP_CLIPS), in this order.
 */
export const SavedMapsIndex = z.object({
  dtype: z.literal('float32'),
  clips: z.array(z.number().int()),
  layers: z.array(z.number().int()),
  sources: z.number().int().positive(),
  leadTimes: z.number().int().positive(),
  height: z.number().int().positive(),
  width: z.number().int().positive(),
})
export type SavedMapsIndex = z.infer<typeof SavedMapsIndex>

/** A run's predictions folder. */
export const predictionsDir = (runDir: string) => join(runDir, 'predictions')

/** The saved predictions of `split` in a run's predictions folder, by what they hold. */
export function predictionFiles(dir: string, split: SplitName) {
  return {
    /** uint8 frames [N, Tout, H, W, C], clips in index order. */
    frames: join(dir, `${split}.u8`),
    index: join(dir, `${split}.json`),
    /** TMU targets only: SavedClipGates[], in index order. */
    gates: join(dir, `${split}-gates.json`),
    /** TMU targets only: per-pixel maps (SavedMapsIndex says their layout). */
    maps: join(dir, `${split}-maps.f32`),
    mapsIndex: join(dir, `${split}-maps.json`),
  }
}

/** A run's predictions during training: `steps/index.json` and one `steps/<iteration>.u8` each. */
export function stepPredictionFiles(runDir: string) {
  const dir = join(predictionsDir(runDir), 'steps')
  return {
    dir,
    index: join(dir, 'index.json'),
    /** uint8 frames [K, Tout, H, W, C] at that iteration, clips in index order. */
    frames: (iteration: number) => join(dir, `${iteration}.u8`),
  }
}
