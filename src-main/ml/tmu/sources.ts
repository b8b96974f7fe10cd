import * as tf from '@tensorflow/tfjs'
import type { ModelConfig } from '../../domain/model'
import { loadLatestCheckpoint } from '../checkpoint/checkpoint-latest'
import type { Checkpoint } from '../checkpoint/checkpoint-layout'
import type { TensorMap } from '../checkpoint/tensors'
import { createNetwork, type PredictiveNetwork } from '../network'
import { namedFromTensorMap } from '../tensor-map'

/**
 * The zoo, docs/method.md §3.1: frozen source networks, each built from its own ModelConfig and
 * weights. Their variables are not trainable, so no optimizer or gradient ever touches them.
 * Whoever creates a source disposes it (a trainer borrows its sources).
 */

export interface TmuSource {
  /** Shown in messages and introspection, e.g. the source run's name. */
  readonly name: string
  readonly network: PredictiveNetwork
}

/** A frozen network with `weights` (tfjs layouts, PyTorch-style names); copies them. */
export function createSource(
  name: string,
  config: ModelConfig,
  weights: tf.NamedTensorMap,
): TmuSource {
  if (config.tmu) throw new Error(`source "${name}": a TMU network cannot be a source`)
  const network = createNetwork(config, { seed: 0, trainable: false })
  try {
    network.params.setWeights(weights)
  } catch (error) {
    network.dispose()
    throw new Error(`source "${name}": ${(error as Error).message}`, { cause: error })
  }
  return { name, network }
}

/** A source from a checkpoint already read (its config and weights; the optimizer is unused). */
export function createSourceFromCheckpoint(name: string, checkpoint: Checkpoint): TmuSource {
  const weights = weightsOf(checkpoint.weights, name)
  try {
    return createSource(name, checkpoint.state.config.model, weights)
  } finally {
    tf.dispose(Object.values(weights))
  }
}

/** A source from the newest intact checkpoint of a run folder. */
export function loadSource(name: string, runDir: string): TmuSource {
  const { latest } = loadLatestCheckpoint(runDir)
  if (!latest) throw new Error(`source "${name}": ${runDir} holds no readable checkpoint`)
  return createSourceFromCheckpoint(name, latest.checkpoint)
}

/** A source's weights as tensors, naming the source when the file holds something else. */
function weightsOf(map: TensorMap, name: string): tf.NamedTensorMap {
  const notFloat = Object.entries(map).find(([, t]) => t.dtype !== 'F32')
  if (notFloat) {
    throw new Error(
      `source "${name}": weight ${notFloat[0]} is ${notFloat[1].dtype}, weights are F32`,
    )
  }
  return namedFromTensorMap(map)
}
