import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../domain/model'
import { pairwiseMean } from '../pairwise-sum'
import { sliceTime } from '../time-axis'
import { differentialDivergence } from './differential-divergence'
import { forwardSimVp, type BatchMoments, type NormMode, type SimVpNetwork } from './simvp-network'

/**
 * SimVP's rollout and training objective, docs/method.md §2.10. One pass maps Tin frames to
 * the next Tin; a longer horizon feeds each pass's output to the next, a shorter one keeps the
 * first Tout frames (OpenSTL's `SimVP._predict`).
 */
export function forecastSimVp(
  net: SimVpNetwork,
  contextBTHWC: tf.Tensor5D,
  outputFrames: number,
  mode: NormMode,
): tf.Tensor5D {
  return tf.tidy(() => {
    const inputFrames = contextBTHWC.shape[1]
    const chunks: tf.Tensor5D[] = []
    let current = contextBTHWC
    for (let made = 0; made < outputFrames; made += inputFrames) {
      current = forwardSimVp(net, current, mode)
      chunks.push(current)
    }
    const all = chunks.length === 1 ? (chunks[0] as tf.Tensor5D) : tf.concat(chunks, 1)
    return all.shape[1] === outputFrames ? all : sliceTime(all, 0, outputFrames)
  })
}

/**
 * L = MSE of the Tout predicted frames against the truth (summed pairwise, as L_pred), plus
 * α·DDR (TAU's differential divergence, §2.11) where train.ddrWeight α > 0, with BatchNorm
 * on the batch's moments, recorded in `moments` for the running estimates.
 */
export function simVpObjective(
  net: SimVpNetwork,
  train: Pick<TrainConfig, 'inputFrames' | 'outputFrames' | 'ddrWeight'>,
  framesBTHWC: tf.Tensor5D,
  moments: BatchMoments[],
): tf.Scalar {
  return tf.tidy(() => {
    const context = sliceTime(framesBTHWC, 0, train.inputFrames)
    const future = sliceTime(framesBTHWC, train.inputFrames, train.outputFrames)
    const predicted = forecastSimVp(net, context, train.outputFrames, { training: true, moments })
    const mse = pairwiseMean(tf.squaredDifference(predicted, future)) as tf.Scalar
    if (train.ddrWeight === 0) return mse
    return tf.add(mse, tf.mul(train.ddrWeight, differentialDivergence(predicted, future)))
  })
}
