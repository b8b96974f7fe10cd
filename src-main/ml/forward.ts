import * as tf from '@tensorflow/tfjs'
import { ROLLOUT, TRAINING, type LayerState } from './cells/recurrent-cell'
import { stepNetwork, zeroNetworkState, type PredictiveNetwork } from './network'
import { pairwiseMean } from './pairwise-sum'
import { sliceTime, stackTime, unstackTime } from './time-axis'

/**
 * Recurrent forward pass over a patched clip, docs/method.md §1.3: at step t the network reads a
 * frame and guesses frame t+1. Steps t < Tin read the truth; later steps read the truth
 * where the mask says so and the previous guess elsewhere:
 *   x_t = m_t ⊙ truth_t + (1 − m_t) ⊙ guess_{t−1}
 * (the guess is not detached, as in the release, so gradients flow through fed-back guesses).
 */

export interface SequenceOptions {
  /** Tin, the frames always read from the clip. */
  readonly inputFrames: number
  /** Recurrent steps; defaults to T−1 for a clip of T frames. */
  readonly steps?: number
  /**
   * [B, steps − from], 1 where step from + j reads the true frame. Omitted at test time
   * (η = 0): every later step reads the guess, and the clip needs only its first Tin frames.
   */
  readonly truthMaskBP?: tf.Tensor2D
  /**
   * The first step the mask covers (`from` above): Tin by default; 1 under reverse
   * scheduled sampling, where the context steps are sampled too (scheduled-sampling.ts).
   */
  readonly truthMaskFrom?: number
  /** Keep every layer's state after every step (the TMU's memory bank and distillation loss). */
  readonly recordStates?: boolean
  /** The trainer's gradient pass (cells keep what only its losses read); default false. */
  readonly training?: boolean
}

export interface SequenceResult {
  /** Guesses of patched frames 1 … steps: [B, steps, h, w, p·p·C]. */
  readonly guessesBTHWC: tf.Tensor5D
  /** statesByStep[t][l]: layer l's state after step t; empty unless `recordStates`. */
  readonly statesByStep: readonly (readonly LayerState[])[]
}

export function runSequence(
  net: PredictiveNetwork,
  patchedBTHWC: tf.Tensor5D,
  options: SequenceOptions,
): SequenceResult {
  const [batch, frameCount] = patchedBTHWC.shape
  const inputFrames = options.inputFrames
  const steps = options.steps ?? frameCount - 1
  const mask = options.truthMaskBP
  const maskFrom = firstMaskedStep(options)
  if (inputFrames > frameCount || inputFrames > steps) {
    throw new Error(
      `runSequence: Tin = ${inputFrames} needs ≥ Tin frames and steps, got ${frameCount} frames, ${steps} steps`,
    )
  }
  if (mask) {
    const expected = [batch, steps - maskFrom]
    if (!tf.util.arraysEqual(mask.shape, expected)) {
      throw new Error(`runSequence: truth mask expected [${expected}], got [${mask.shape}]`)
    }
    if (frameCount < steps) {
      throw new Error(`runSequence: a truth mask needs ${steps} frames, got ${frameCount}`)
    }
  }

  return tf.tidy(() => {
    const frames = unstackTime(patchedBTHWC)
    const maskColumns = mask ? (tf.unstack(mask, 1) as tf.Tensor1D[]) : []
    let state = zeroNetworkState(net, batch)
    let guess: tf.Tensor4D | null = null
    const guesses: tf.Tensor4D[] = []
    const statesByStep: LayerState[][] = []
    for (let t = 0; t < steps; t++) {
      const x: tf.Tensor4D =
        t < maskFrom || !guess
          ? (frames[t] as tf.Tensor4D)
          : mixTruthAndGuess(frames[t], maskColumns[t - maskFrom], guess)
      const out = stepNetwork(net, x, state, options.training ? TRAINING : ROLLOUT)
      state = out.state
      guess = out.guess
      guesses.push(guess)
      if (options.recordStates) statesByStep.push([...state.layers])
    }
    return { guessesBTHWC: stackTime(guesses), statesByStep }
  })
}

/**
 * The first step a truth mask decides: `truthMaskFrom` (1 under reverse scheduled sampling),
 * else Tin; without a mask, Tin, since the context always reads the clip at test time. The
 * target's rollout and its sources' (tmu/memory-bank.ts) read their inputs by this one rule.
 */
export function firstMaskedStep(options: {
  readonly inputFrames: number
  readonly truthMaskBP?: tf.Tensor2D | null
  readonly truthMaskFrom?: number
}): number {
  return options.truthMaskBP ? (options.truthMaskFrom ?? options.inputFrames) : options.inputFrames
}

/** x = m ⊙ truth + (1 − m) ⊙ guess, per sample; the guess alone where no truth is given. */
export function mixTruthAndGuess(
  truth: tf.Tensor4D | undefined,
  maskB: tf.Tensor1D | undefined,
  guess: tf.Tensor4D,
): tf.Tensor4D {
  if (!truth || !maskB) return guess
  const m = maskB.reshape([-1, 1, 1, 1])
  return tf.add(tf.mul(m, truth), tf.mul(tf.sub(1, m), guess))
}

/**
 * L_pred, docs/method.md §3.4: the mean squared error of all guesses against frames 1 … steps,
 * summed pairwise (a clip batch is ~10⁵–10⁶ values: a float32 running sum drifts).
 */
export function predictionLoss(guessesBTHWC: tf.Tensor5D, patchedBTHWC: tf.Tensor5D): tf.Scalar {
  return tf.tidy(() => {
    const steps = guessesBTHWC.shape[1]
    const targets = sliceTime(patchedBTHWC, 1, steps)
    return pairwiseMean(tf.squaredDifference(guessesBTHWC, targets)) as tf.Scalar
  })
}
