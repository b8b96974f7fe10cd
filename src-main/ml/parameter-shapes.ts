import type { ModelConfig } from '../api/contract/model'
import { createNetwork } from './network'

/**
 * Every parameter of a plain network by its PyTorch-style name, with its shape in tfjs
 * layout: what an imported checkpoint must hold to be this model. Builds the network and
 * frees it again (a few milliseconds, even at the paper's size).
 */
export function parameterShapes(model: ModelConfig): Record<string, number[]> {
  const network = createNetwork(model, { seed: 0, trainable: false })
  try {
    return Object.fromEntries(network.params.entries().map((e) => [e.name, [...e.variable.shape]]))
  } finally {
    network.dispose()
  }
}
