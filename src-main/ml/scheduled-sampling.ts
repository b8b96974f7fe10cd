import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../domain/model'
import type { Rng } from './random'

type ReverseSchedule = Pick<
  TrainConfig,
  'reverseSamplingStart' | 'reverseSamplingEnd' | 'reverseSamplingAlpha'
>

/**
 * Scheduled sampling, docs/method.md §1.3: at steps t = Tin … T−2 each sample reads the true frame
 * with probability η, else its own previous guess; η = max(0, etaStart − etaDecay·iteration).
 *
 * Iterations count from 1 as in the PredRNN release's loop (`for itr in range(1, …)`, η
 * decremented before use), so the defaults give η = 1 − 2e-5 on the first batch and η = 0
 * from iteration 50 000 on. Under reverse sampling, the η of its predicted steps.
 */
export function samplingEta(
  train: Pick<TrainConfig, 'sampling' | 'etaStart' | 'etaDecay' | keyof ReverseSchedule>,
  iteration: number,
): number {
  if (train.sampling === 'reverse') return reverseSamplingEtas(train, iteration).prediction
  return Math.max(0, train.etaStart - train.etaDecay * iteration)
}

/**
 * Truth mask [B, positions]: 1 = read the true frame, 0 = read the guess. One draw per
 * sample and position (batch-major), taken even when η is 0 or 1 so the generator's stream
 * does not depend on the schedule and a resumed run draws what an uninterrupted one would.
 */
export function sampleTruthMask(
  rng: Rng,
  batch: number,
  positions: number,
  eta: number,
): tf.Tensor2D {
  const mask = new Float32Array(batch * positions)
  for (let i = 0; i < mask.length; i++) mask[i] = rng.next() < eta ? 1 : 0
  return tf.tensor2d(mask, [batch, positions])
}

/**
 * Reverse scheduled sampling, docs/method.md §2.7 (PredRNN-V2's release): at `iteration`, the
 * probability r_η that a context step reads the truth (0.5, then 1 − 0.5·e^{−(i−s)/α}, then 1)
 * and the η of the predicted steps (0.5, falling linearly to 0 at the end of the ramp).
 */
export function reverseSamplingEtas(
  train: ReverseSchedule,
  iteration: number,
): { context: number; prediction: number } {
  const { reverseSamplingStart: start, reverseSamplingEnd: end } = train
  if (iteration < start) return { context: 0.5, prediction: 0.5 }
  if (iteration >= end) return { context: 1, prediction: 0 }
  return {
    context: 1 - 0.5 * Math.exp(-(iteration - start) / train.reverseSamplingAlpha),
    prediction: 0.5 - (0.5 * (iteration - start)) / (end - start),
  }
}

/**
 * The first step a training mask covers: Tin under standard sampling (the context always
 * reads the truth), 1 under reverse sampling (only the very first frame always does).
 */
export function truthMaskFrom(train: Pick<TrainConfig, 'sampling' | 'inputFrames'>): number {
  return train.sampling === 'reverse' ? 1 : train.inputFrames
}

/**
 * One iteration's truth mask [B, steps − from] (null when it covers no step) and the η of
 * its predicted steps. Reverse sampling draws the context columns, then the predicted ones,
 * each batch-major, as the release does.
 */
export function sampleTrainingMask(
  rng: Rng,
  train: Pick<
    TrainConfig,
    'sampling' | 'inputFrames' | 'etaStart' | 'etaDecay' | keyof ReverseSchedule
  >,
  batch: number,
  frameCount: number,
  iteration: number,
): { mask: tf.Tensor2D | null; eta: number } {
  const predicted = frameCount - 1 - train.inputFrames
  if (train.sampling === 'standard') {
    const eta = samplingEta(train, iteration)
    return { mask: predicted > 0 ? sampleTruthMask(rng, batch, predicted, eta) : null, eta }
  }
  const { context, prediction: eta } = reverseSamplingEtas(train, iteration)
  const contextMask = sampleTruthMask(rng, batch, train.inputFrames - 1, context)
  const predictedMask = sampleTruthMask(rng, batch, Math.max(0, predicted), eta)
  const mask = tf.concat([contextMask, predictedMask], 1)
  tf.dispose([contextMask, predictedMask])
  if (mask.shape[1] > 0) return { mask, eta }
  mask.dispose()
  return { mask: null, eta }
}
