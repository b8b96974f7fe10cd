import * as tf from '@tensorflow/tfjs'
import {
  learningRateAt,
  modelKindConflicts,
  type ModelConfig,
  type TrainConfig,
} from '../domain/model'
import type { CellFactory, LayerState } from './cells/recurrent-cell'
import { predictionLoss, runSequence } from './forward'
import { createForecastNetwork, isSimVpNetwork, type ForecastNetwork } from './forecast-network'
import type { PredictiveNetwork } from './network'
import { patchFrames, unpatchFrames } from './patching'
import { sliceTime } from './time-axis'
import { createRng, deriveSeed, restoreRng, type RngState } from './random'
import { decouplingLoss } from './cells/st-lstm-v2'
import { sampleTrainingMask, truthMaskFrom } from './scheduled-sampling'
import { forecastSimVp, simVpObjective } from './simvp/simvp-forecast'
import { updateRunningStatistics, type BatchMoments } from './simvp/simvp-network'

/**
 * Training loop pieces, docs/method.md §1 and §6: Adam on L_pred (+ PredRNN-V2's β·L_decouple,
 * + an optional auxiliary term, the TMU's λ·L_dist), scheduled sampling (standard or
 * reverse), optional global-norm clipping and reverse input.
 *
 * One iteration = one optimizer step on the clip, plus (reverse input) a second step on the
 * same clip reversed in time with the same mask, as the PredRNN release's trainer does; the
 * reported loss is then the mean of the two.
 *
 * A SimVP or TAU network (docs/method.md §2.10, §2.11) takes the same steps on its own
 * objective (MSE, + α·DDR where train.ddrWeight is set), with no mask (η is reported as 0)
 * and BatchNorm's running estimates updated after each pass.
 *
 * Everything random comes from seeded streams (weights: stream 0, masks: stream 1), so the
 * state {weights, Adam moments, iteration, RNG state} resumes a run exactly.
 */

/** PyTorch's Adam ε (tfjs defaults to 1e-7), so optimisation matches the release. */
const ADAM_EPSILON = 1e-8

/** tfjs's optimizer-weight entry (not re-exported by `@tensorflow/tfjs`). */
export interface NamedTensor {
  readonly name: string
  readonly tensor: tf.Tensor
}

export interface TrainStepResult {
  /** Objective of the iteration (mean over the forward and reversed passes). */
  readonly loss: number
  /** Scheduled-sampling η used for this iteration's mask. */
  readonly eta: number
}

export interface AuxiliaryLossContext {
  readonly patchedBTHWC: tf.Tensor5D
  readonly truthMaskBP: tf.Tensor2D | null
  /** statesByStep[t][l] after step t = 0 … T−2. */
  readonly statesByStep: readonly (readonly LayerState[])[]
  /**
   * Clips in the whole optimizer step: more than `patchedBTHWC` holds when the batch runs as
   * micro-batches. A term that is not a per-clip mean must normalise by this to stay exact.
   */
  readonly stepBatchSize: number
}

/** One optimizer step's term added to L_pred, e.g. the TMU's λ·L_dist. */
export interface AuxiliaryTerm {
  /** Runs inside the gradient tape, after the forward pass. */
  compute(context: AuxiliaryLossContext): tf.Scalar
  /** Runs after the optimizer step: frees what the term holds. */
  dispose(): void
}

/**
 * Called once per optimizer step (so twice with reverse input, the second time with the
 * reversed clip) outside the gradient tape, so work that must be neither differentiated nor
 * kept for the backward pass (the TMU's frozen sources) runs here rather than in `compute`.
 */
export type AuxiliaryLoss = (
  patchedBTHWC: tf.Tensor5D,
  truthMaskBP: tf.Tensor2D | null,
) => AuxiliaryTerm

export interface TrainerOptions {
  readonly cellFactory?: CellFactory
  readonly auxiliaryLoss?: AuxiliaryLoss
  /**
   * The most clips one forward and backward pass may hold. A larger batch is split and its
   * gradients summed, weighted by share, before the one optimizer step: the same update
   * (the loss is a per-clip mean and nothing mixes clips), in the memory of a smaller batch.
   * Default: the whole batch at once.
   */
  readonly microBatchSize?: number
}

/** What, besides weights and Adam moments, a checkpoint needs to resume exactly. */
export interface TrainerState {
  /** Iterations completed. */
  readonly iteration: number
  /** Sampling-mask generator. */
  readonly rng: RngState
}

export interface Trainer {
  readonly network: ForecastNetwork
  readonly iteration: number
  /** One training iteration on frames in [0, 1], float32 [B, Tin+Tout, H, W, C]. */
  step(framesBTHWC: tf.Tensor5D): Promise<TrainStepResult>
  /**
   * Test-time rollout (η = 0) from the first `inputFrames` frames: [B, Tout, H, W, C],
   * unclipped. `outputFrames` defaults to the clip's remaining frames. Caller disposes.
   */
  predict(framesBTHWC: tf.Tensor5D, inputFrames: number, outputFrames?: number): tf.Tensor5D
  getState(): TrainerState
  setState(state: TrainerState): void
  /**
   * Adam's state as tfjs orders it: `iter`, then `<param>/m` for each trainable parameter
   * in creation order, then `<param>/v` (none before the first step). Caller disposes.
   */
  exportOptimizerWeights(): Promise<NamedTensor[]>
  importOptimizerWeights(weights: NamedTensor[]): Promise<void>
  dispose(): void
}

export function createTrainer(
  model: ModelConfig,
  train: TrainConfig,
  options: TrainerOptions = {},
): Trainer {
  const conflicts = modelKindConflicts(model, train)
  if (conflicts.length > 0) throw new Error(`trainer: ${conflicts.join('; ')}`)
  const network = createForecastNetwork(model, {
    seed: deriveSeed(train.seed, 0),
    ...(options.cellFactory ? { cellFactory: options.cellFactory } : {}),
  })
  const trainable = network.params.entries().filter((e) => e.variable.trainable)
  const paramByTfName = new Map(trainable.map((e) => [e.variable.name, e.name]))
  const tfNameByParam = new Map(trainable.map((e) => [e.name, e.variable.name]))
  const createOptimizer = () =>
    tf.train.adam(train.learningRate, train.beta1, train.beta2, ADAM_EPSILON)
  let optimizer = createOptimizer()
  let rng = createRng(deriveSeed(train.seed, 1))
  let iteration = 0

  /** The objective and its gradients on some clips (the auxiliary term sees the same clips). */
  function gradients(patched: tf.Tensor5D, mask: tf.Tensor2D | null, stepBatchSize: number) {
    const variables = trainable.map((e) => e.variable)
    if (isSimVpNetwork(network)) {
      const moments: BatchMoments[] = []
      try {
        return tf.variableGrads(() => simVpObjective(network, train, patched, moments), variables)
      } finally {
        updateRunningStatistics(moments)
      }
    }
    const auxiliary = options.auxiliaryLoss?.(patched, mask)
    try {
      return tf.variableGrads(
        () => trainingObjective(network, train, patched, mask, auxiliary, stepBatchSize),
        variables,
      )
    } finally {
      auxiliary?.dispose()
    }
  }

  /** Σ_k (b_k / B)·∇L_k over micro-batches of at most `size` clips: the whole batch's ∇L. */
  function accumulatedGradients(patched: tf.Tensor5D, mask: tf.Tensor2D | null, size: number) {
    const batch = patched.shape[0]
    let value = tf.scalar(0)
    const sums: tf.NamedTensorMap = {}
    for (let start = 0; start < batch; start += size) {
      const count = Math.min(size, batch - start)
      const clips = sliceBatch(patched, start, count)
      const clipMask = mask ? sliceBatch(mask, start, count) : null
      const part = gradients(clips, clipMask, batch)
      tf.dispose([clips, ...(clipMask ? [clipMask] : [])])
      const share = count / batch
      tf.tidy(() => {
        for (const [name, grad] of Object.entries(part.grads)) {
          const weighted = tf.mul(grad, share)
          const sum = sums[name]
          sums[name] = tf.keep(sum ? tf.add(sum, weighted) : weighted)
          sum?.dispose()
        }
        const previous = value
        value = tf.keep(tf.add(previous, tf.mul(part.value, share)))
        previous.dispose()
      })
      tf.dispose([part.value, ...Object.values(part.grads)])
    }
    return { value, grads: sums }
  }

  /** One Adam update; returns the objective before the update. */
  function optimize(patched: tf.Tensor5D, mask: tf.Tensor2D | null): tf.Scalar {
    const size = options.microBatchSize ?? patched.shape[0]
    const { value, grads } =
      size < patched.shape[0]
        ? accumulatedGradients(patched, mask, size)
        : gradients(patched, mask, patched.shape[0])
    const clipped = train.clipNorm === null ? grads : clipByGlobalNorm(grads, train.clipNorm)
    // Adam keys its moment slots by position, so every parameter keeps its place even when
    // it got no gradient this step (Adam then skips it).
    optimizer.applyGradients(
      trainable.map((e) => ({
        name: e.variable.name,
        tensor: clipped[e.variable.name] as tf.Tensor,
      })),
    )
    tf.dispose(grads)
    if (clipped !== grads) tf.dispose(clipped)
    return value
  }

  function checkClip(framesBTHWC: tf.Tensor5D): void {
    const [, T, H, W, C] = framesBTHWC.shape
    const expected = [
      train.inputFrames + train.outputFrames,
      model.imageHeight,
      model.imageWidth,
      model.channels,
    ]
    if (!tf.util.arraysEqual([T, H, W, C], expected)) {
      throw new Error(`trainer: clip expected [B, ${expected}], got [${framesBTHWC.shape}]`)
    }
  }

  return {
    network,
    get iteration() {
      return iteration
    },

    async step(framesBTHWC) {
      checkClip(framesBTHWC)
      const [batch, frameCount] = framesBTHWC.shape
      const { mask, eta } = isSimVpNetwork(network)
        ? { mask: null, eta: 0 }
        : sampleTrainingMask(rng, train, batch, frameCount, iteration + 1)
      const patched = patchFrames(framesBTHWC, model.patchSize)
      // tfjs's Adam reads its (protected) rate at every update: the schedule sets it per step.
      ;(optimizer as unknown as { learningRate: number }).learningRate = learningRateAt(
        train,
        iteration + 1,
      )
      const losses = [optimize(patched, mask)]
      if (train.reverseInput) {
        const reversed = tf.reverse(patched, 1)
        losses.push(optimize(reversed, mask))
        reversed.dispose()
      }
      patched.dispose()
      mask?.dispose()
      const values = await Promise.all(losses.map((l) => l.data()))
      tf.dispose(losses)
      iteration += 1
      const loss = values.reduce((sum, v) => sum + (v[0] as number), 0) / values.length
      return { loss, eta }
    },

    predict(framesBTHWC, inputFrames, outputFrames = framesBTHWC.shape[1] - inputFrames) {
      return tf.tidy(() => {
        const context = sliceTime(framesBTHWC, 0, inputFrames)
        if (isSimVpNetwork(network)) {
          return forecastSimVp(network, context, outputFrames, { training: false })
        }
        const { guessesBTHWC } = runSequence(network, patchFrames(context, model.patchSize), {
          inputFrames,
          steps: inputFrames + outputFrames - 1,
        })
        const future = sliceTime(guessesBTHWC, inputFrames - 1, outputFrames)
        return unpatchFrames(future, model.patchSize)
      })
    },

    getState: () => ({ iteration, rng: rng.getState() }),

    setState(state) {
      iteration = state.iteration
      rng = restoreRng(state.rng)
    },

    async exportOptimizerWeights() {
      const [iter, ...moments] = await optimizer.getWeights()
      if (!iter) throw new Error('trainer: Adam returned no iteration count')
      return [
        iter,
        ...moments.map(({ name, tensor }) => ({ name: toParamSlot(name), tensor: tensor.clone() })),
      ]
    },

    async importOptimizerWeights(weights) {
      const [iter, ...moments] = weights
      if (iter?.name !== 'iter') throw new Error('trainer: Adam weights must start with iter')
      const bySlot = new Map(moments.map((w) => [w.name, w.tensor]))
      const ordered: NamedTensor[] = []
      if (bySlot.size > 0) {
        for (const kind of ['m', 'v']) {
          for (const { name } of trainable) {
            const tensor = bySlot.get(`${name}/${kind}`)
            if (!tensor) throw new Error(`trainer: Adam weights lack ${name}/${kind}`)
            ordered.push({ name: `${tfNameByParam.get(name)}/${kind}`, tensor })
          }
        }
      }
      if (ordered.length !== moments.length) {
        throw new Error(
          `trainer: ${moments.length} Adam moments for ${trainable.length} parameters`,
        )
      }
      const fresh = createOptimizer()
      await fresh.setWeights([iter, ...ordered])
      const steps = (await iter.tensor.data())[0]!
      restoreAdamPowers(fresh, steps, train.beta1, train.beta2)
      optimizer.dispose()
      optimizer = fresh
    },

    dispose() {
      optimizer.dispose()
      network.dispose()
    },
  }

  function toParamSlot(tfSlotName: string): string {
    const cut = tfSlotName.lastIndexOf('/')
    const param = paramByTfName.get(tfSlotName.slice(0, cut))
    if (!param) throw new Error(`trainer: Adam slot ${tfSlotName} belongs to no parameter`)
    return param + tfSlotName.slice(cut)
  }
}

/**
 * What one optimizer step minimises on some patched clips: L_pred, + β·L_decouple for a
 * PredRNN-V2 network, + the auxiliary term (the TMU's λ·L_dist) when given. `mask` covers
 * the steps from truthMaskFrom(train) on.
 */
export function trainingObjective(
  network: PredictiveNetwork,
  train: TrainConfig,
  patched: tf.Tensor5D,
  mask: tf.Tensor2D | null,
  auxiliary?: AuxiliaryTerm,
  stepBatchSize = patched.shape[0],
): tf.Scalar {
  return tf.tidy(() => {
    const { guessesBTHWC, statesByStep } = runSequence(network, patched, {
      inputFrames: train.inputFrames,
      ...(mask ? { truthMaskBP: mask, truthMaskFrom: truthMaskFrom(train) } : {}),
      recordStates: auxiliary !== undefined || network.adapter !== null,
      training: true,
    })
    const prediction = predictionLoss(guessesBTHWC, patched)
    // A per-clip mean like L_pred, so micro-batches stay exact.
    const loss = network.adapter
      ? (tf.add(
          prediction,
          tf.mul(train.decoupleWeight, decouplingLoss(network.adapter, statesByStep)),
        ) as tf.Scalar)
      : prediction
    if (!auxiliary) return loss
    return tf.add(
      loss,
      auxiliary.compute({ patchedBTHWC: patched, truthMaskBP: mask, statesByStep, stepBatchSize }),
    ) as tf.Scalar
  })
}

/** g ← g · min(1, clip / ‖g‖₂) with ‖g‖₂ the norm over all gradients together. */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const tensors = Object.values(grads)
    const norm = tf.sqrt(tf.addN(tensors.map((g) => tf.sum(tf.square(g)))))
    const scale = tf.div(clipNorm, tf.maximum(norm, clipNorm))
    const out: tf.NamedTensorMap = {}
    for (const [name, g] of Object.entries(grads)) out[name] = tf.mul(g, scale)
    return out
  })
}

/**
 * Adam's bias corrections use β₁ᵗ and β₂ᵗ, which tfjs's steps build by repeated float32
 * products but its `setWeights` recomputes as pow(β, t+1); the two differ in the last bits
 * for some t, and a resumed run then drifts from an uninterrupted one. Rebuild them the way
 * the steps do (one float32 product per step: IEEE-exact on every backend).
 */
function restoreAdamPowers(
  optimizer: tf.AdamOptimizer,
  steps: number,
  beta1: number,
  beta2: number,
) {
  const powers = optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable }
  const power = (beta: number) => {
    const b = Math.fround(beta)
    let acc = b
    for (let i = 0; i < steps; i++) acc = Math.fround(acc * b)
    return acc
  }
  tf.tidy(() => {
    powers.accBeta1.assign(tf.scalar(power(beta1)))
    powers.accBeta2.assign(tf.scalar(power(beta2)))
  })
}

/** Clips start … start + count − 1 of a batch, through a rank-2 view (see time-axis.ts). */
function sliceBatch<T extends tf.Tensor>(x: T, start: number, count: number): T {
  return tf.tidy(() =>
    x
      .reshape([x.shape[0] ?? 0, -1])
      .slice([start, 0], [count, -1])
      .reshape([count, ...x.shape.slice(1)]),
  )
}
