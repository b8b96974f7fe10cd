import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../domain/model'
import type { Rng } from './random'

/**
 * Scheduled sampling, docs/method.md §1.3: at steps t = Tin … T−2 each sample reads the true frame
 * with probability η, else its own previous guess; η = max(0, etaStart − etaDecay·iteration).
 *
 * Iterations count from 1 as in the PredRNN release's loop (`for itr in range(1, …)`, η
 * decremented before use), so the defaults give η = 1 − 2e-5 on the first batch and η = 0
 * from iteration 50 000 on.
 */
export function samplingEta(
  train: Pick<TrainConfig, 'etaStart' | 'etaDecay'>,
  iteration: number,
): number {
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
