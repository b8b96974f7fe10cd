import type * as tf from '@tensorflow/tfjs'
import { readCheckpoint } from '../ml/checkpoint/checkpoint-read'
import { createTrainer, type Trainer } from '../ml/training'
import type { TrainJobSpec } from './trainer-protocol'
import { namedFromTensorMap, shapesOf } from './weights'

/** The model kind a checkpoint of this run records, so resuming refuses another network. */
export function modelKindOf(spec: Pick<TrainJobSpec, 'model'>): string {
  return spec.model.tmu ? `tmu-${spec.model.cell}` : spec.model.cell
}

/**
 * Builds the trainer a run needs: a fresh network (source, scratch), or one initialised
 * from a source's checkpoint with every weight trainable (finetune, method.md §3.6).
 */
export function createRunTrainer(spec: TrainJobSpec): Trainer {
  if (spec.model.tmu) {
    throw new Error('TMU targets are trained through the TMU trainer (not available in this build)')
  }
  const trainer = createTrainer(spec.model, spec.train)
  if (spec.initFrom) {
    try {
      initialiseFrom(trainer, spec)
    } catch (error) {
      trainer.dispose()
      throw error
    }
  }
  return trainer
}

function initialiseFrom(trainer: Trainer, spec: TrainJobSpec) {
  const own = trainer.network.params.getWeights()
  const expected = shapesOf(own)
  Object.values(own).forEach((t: tf.Tensor) => t.dispose())
  const source = readCheckpoint(spec.initFrom!, {
    modelKind: modelKindOf(spec),
    weightShapes: expected,
  })
  const weights = namedFromTensorMap(source.weights)
  try {
    trainer.network.params.setWeights(weights)
  } finally {
    Object.values(weights).forEach((t) => t.dispose())
  }
}
