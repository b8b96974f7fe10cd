import * as tf from '@tensorflow/tfjs'
import type { ModelConfig } from '../../api/contract/model'
import { loadLatestCheckpoint } from '../checkpoint/checkpoint-latest'
import type { Checkpoint } from '../checkpoint/checkpoint-layout'
import type { TensorMap } from '../checkpoint/tensors'
import { createNetwork, type PredictiveNetwork } from '../network'

/**
 * The zoo, method.md §3.1: frozen source networks, each built from its own ModelConfig and
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
  const weights = namedTensorsOf(checkpoint.weights, name)
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

function namedTensorsOf(map: TensorMap, name: string): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {}
  for (const [key, t] of Object.entries(map)) {
    if (t.dtype !== 'F32') {
      tf.dispose(Object.values(out))
      throw new Error(`source "${name}": weight ${key} is ${t.dtype}, weights are F32`)
    }
    out[key] = tf.tensor(t.data, [...t.shape], 'float32')
  }
  return out
}
