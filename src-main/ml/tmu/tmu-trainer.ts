import * as tf from '@tensorflow/tfjs'
import type { ModelConfig, TrainConfig } from '../../domain/model'
import {
  createTrainer,
  type AuxiliaryLoss,
  type Trainer,
  type TrainerOptions,
  type TrainStepResult,
} from '../training'
import { checkTmuCompatibility } from './compatibility'
import { distillationTerms, gateMeansLMTB } from './distillation'
import { initTmuFromSource } from './init-from-source'
import { readStepIntrospection, type TmuStepIntrospection } from './introspection'
import { recordSourceMemories } from './memory-bank'
import { truthMaskFrom } from '../scheduled-sampling'
import type { TmuSource } from './sources'
import { requireTmu, tmuLayerIndices } from './tmu-layers'
import { createTmuCellFactory } from './tmu-network'
import { requireRecurrentNetwork } from '../forecast-network'

/**
 * Transfer training, docs/method.md §3: the target (TMU at `tmu.layers`) minimises
 * L = L_pred + λ·L_dist, λ = `train.distillWeight`. Before each optimizer step (outside the
 * gradient tape) every source runs on the step's clip, reversed too under reverse input, with
 * the target's truth mask (`sourceInput: 'mask'`) or all-truth (`'truth'`), and its memories
 * at the TMU layers (C, and with `tmu.transferM` M too) form the bank L_dist compares the
 * distillers with.
 *
 * λ = 0 reproduces the authors' release: L_dist is then not part of the objective at all, so
 * the sources cannot touch a gradient; they still run, for the distillation errors shown.
 * Inference needs no source: `trainer.predict` runs the TMU on its own distillers and gates.
 */

export interface TmuStepResult extends TrainStepResult {
  /** From the forward-in-time pass (with reverse input, the reversed pass is not included). */
  readonly introspection: TmuStepIntrospection
}

export interface TmuTrainer {
  /** The underlying trainer: network, predict, state and Adam export for checkpoints. */
  readonly trainer: Trainer
  step(framesBTHWC: tf.Tensor5D): Promise<TmuStepResult>
  /** Disposes the trainer; the sources belong to whoever created them. */
  dispose(): void
}

interface KeptStatistics {
  gateMeansLMT: tf.Tensor3D
  mseLM: tf.Tensor2D
  loss: tf.Scalar
}

export function createTmuTrainer(
  model: ModelConfig,
  train: TrainConfig,
  sources: readonly TmuSource[],
  execution: Pick<TrainerOptions, 'microBatchSize'> = {},
): TmuTrainer {
  checkTmuCompatibility(
    model,
    sources.map((s) => ({ name: s.name, config: s.network.config })),
  )
  const { sources: sourceCount, initFromSource, transferM } = requireTmu(model)
  const layers = tmuLayerIndices(model)
  const lambda = train.distillWeight
  // Gradient passes since the iteration began: 0 is the forward-in-time pass (its first
  // micro-batch when the batch is split), whose gate and distillation statistics are kept.
  let pass = 0
  let kept: KeptStatistics | null = null

  const auxiliaryLoss: AuxiliaryLoss = (patched, mask) => {
    const introspect = pass++ === 0
    if (lambda === 0 && !introspect) return { compute: () => tf.scalar(0), dispose: () => {} }
    const sourceMask = train.sourceInput === 'truth' && mask ? tf.onesLike(mask) : mask
    const banks = sources.map((s) =>
      recordSourceMemories(s.network, patched, {
        inputFrames: train.inputFrames,
        truthMaskBP: sourceMask,
        truthMaskFrom: truthMaskFrom(train),
        layers,
        recordM: transferM,
      }),
    )
    if (sourceMask !== mask) sourceMask?.dispose()
    return {
      compute({ statesByStep, stepBatchSize }) {
        const terms = distillationTerms(
          statesByStep,
          banks,
          layers,
          patched.shape[1],
          stepBatchSize,
        )
        if (introspect) {
          // Kept past the tape's tidy; read and freed after the iteration.
          kept = {
            gateMeansLMT: tf.keep(tf.mean(gateMeansLMTB(statesByStep, layers, sourceCount), -1)),
            mseLM: tf.keep(tf.mean(terms.mseLMB, -1)),
            loss: tf.keep(terms.loss),
          }
        }
        return lambda === 0 ? tf.scalar(0) : tf.mul(lambda, terms.loss)
      },
      dispose: () => banks.forEach((bank) => bank.dispose()),
    }
  }

  const trainer = createTrainer(model, train, {
    cellFactory: createTmuCellFactory(model),
    auxiliaryLoss,
    ...execution,
  })
  // Before any step; a resumed run's checkpoint overwrites it, as it does a random draw.
  if (initFromSource !== null) {
    try {
      const source = sources[initFromSource - 1]
      if (!source) {
        throw new Error(
          `tmu.initFromSource ${initFromSource}: the run has ${sources.length} sources`,
        )
      }
      initTmuFromSource(requireRecurrentNetwork(trainer.network), source.network)
    } catch (error) {
      trainer.dispose()
      throw error
    }
  }

  return {
    trainer,
    async step(framesBTHWC) {
      pass = 0
      try {
        const result = await trainer.step(framesBTHWC)
        if (!kept) throw new Error('tmu trainer: the step computed no statistics')
        const statistics: KeptStatistics = kept
        kept = null
        return { ...result, introspection: await readStepIntrospection(layers, statistics) }
      } finally {
        if (kept) tf.dispose(Object.values(kept))
        kept = null
      }
    },
    dispose: () => trainer.dispose(),
  }
}
