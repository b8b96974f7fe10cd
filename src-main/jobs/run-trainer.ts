import * as tf from '@tensorflow/tfjs'
import { loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { initFromSource } from '../ml/tmu/finetune'
import type { TmuStepIntrospection } from '../ml/tmu/introspection'
import { loadSource, type TmuSource } from '../ml/tmu/sources'
import { createTmuTrainer } from '../ml/tmu/tmu-trainer'
import { createTmuCellFactory, tmuModelKind } from '../ml/tmu/tmu-network'
import {
  createTrainer,
  type Trainer,
  type TrainerOptions,
  type TrainStepResult,
} from '../ml/training'
import type { TrainJobSpec } from './trainer-protocol'
import { namedFromTensorMap, shapesOf } from '../ml/tensor-map'
import type { ModelConfig, TrainConfig } from '../domain/model'

/** A trainer whose steps may also report what the TMU did (TMU targets only). */
export interface RunTrainer extends Trainer {
  step(
    framesBTHWC: tf.Tensor5D,
  ): Promise<TrainStepResult & { introspection?: TmuStepIntrospection }>
}

/** The model kind a checkpoint of this run records, so resuming refuses another network. */
export function modelKindOf(spec: Pick<TrainJobSpec, 'model'>): string {
  return spec.model.tmu ? tmuModelKind(spec.model.cell) : spec.model.cell
}

/**
 * Builds the trainer a run needs (docs/method.md §3): a fresh network (source, scratch); one
 * initialised from a source's checkpoint with every weight trainable (finetune); or a TMU
 * target fed by its frozen sources. Evaluating a TMU target needs no sources: its own
 * distillers and gates stand in for them. `execution` says how to run it (micro-batches).
 */
export function createRunTrainer(spec: TrainJobSpec, execution: Execution = {}): RunTrainer {
  if (spec.model.tmu) {
    if (spec.evaluateOnly) return createInferenceTrainer(spec.model, spec.train)
    return createTmuRunTrainer(spec, execution)
  }
  const trainer = createTrainer(spec.model, spec.train, execution)
  if (spec.initFromRunDir) {
    try {
      const { latest } = loadLatestCheckpoint(spec.initFromRunDir)
      if (!latest) throw new Error('it holds no readable checkpoint')
      const weights = namedFromTensorMap(latest.checkpoint.weights)
      try {
        initFromSource(trainer.network.params, weights)
      } finally {
        tf.dispose(Object.values(weights))
      }
    } catch (error) {
      trainer.dispose()
      throw new Error(`finetune source ${spec.initFromRunDir}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }
  return trainer
}

type Execution = Pick<TrainerOptions, 'microBatchSize'>

/** The network alone, to evaluate or predict with: a TMU target's own gates need no source. */
export function createInferenceTrainer(model: ModelConfig, train: TrainConfig): Trainer {
  return createTrainer(model, train, model.tmu ? { cellFactory: createTmuCellFactory(model) } : {})
}

/**
 * Sets the trainer's weights from the run's newest complete checkpoint of this network, and
 * returns that checkpoint (null if none) with the damaged ones passed over.
 */
export function restoreLatestWeights(trainer: Trainer, runDir: string, model: ModelConfig) {
  const own = trainer.network.params.getWeights()
  const weightShapes = shapesOf(own)
  tf.dispose(Object.values(own))
  const found = loadLatestCheckpoint(runDir, { modelKind: modelKindOf({ model }), weightShapes })
  if (found.latest) {
    const weights = namedFromTensorMap(found.latest.checkpoint.weights)
    try {
      trainer.network.params.setWeights(weights)
    } finally {
      tf.dispose(Object.values(weights))
    }
  }
  return found
}

function createTmuRunTrainer(spec: TrainJobSpec, execution: Execution): RunTrainer {
  const sources: TmuSource[] = []
  const disposeSources = () => sources.forEach((s) => s.network.dispose())
  try {
    for (const source of spec.sources) sources.push(loadSource(source.name, source.runDir))
    const tmu = createTmuTrainer(spec.model, spec.train, sources, execution)
    const base = tmu.trainer
    return {
      network: base.network,
      get iteration() {
        return base.iteration
      },
      step: (frames) => tmu.step(frames),
      predict: (frames, inputFrames, outputFrames) =>
        base.predict(frames, inputFrames, outputFrames),
      getState: () => base.getState(),
      setState: (state) => base.setState(state),
      exportOptimizerWeights: () => base.exportOptimizerWeights(),
      importOptimizerWeights: (weights) => base.importOptimizerWeights(weights),
      dispose() {
        tmu.dispose()
        disposeSources()
      },
    }
  } catch (error) {
    disposeSources()
    throw error
  }
}
