import type { ModelConfig, TmuOptions } from '../../domain/model'

/**
 * Where a TMU target's TMU cells sit (docs/method.md §3.3), read from its config alone: pure, so the
 * main process can check sources and count parameters without TensorFlow.js.
 */

/**
 * Parameter names of a TMU layer's distillers: `distiller<m>` for C (the release's names),
 * `distiller_m<m>` for the spatiotemporal memory M (`tmu.transferM`, ours).
 */
export type DistillerPrefix = 'distiller' | 'distiller_m'

/** `tmu.layers` for "every layer" of a model with `layerCount` layers. */
export function everyLayer(layerCount: number): number[] {
  return Array.from({ length: layerCount }, (_, index) => index + 1)
}

/** The TMU options of a target, or a clear error. */
export function requireTmu(model: ModelConfig): TmuOptions {
  if (!model.tmu) throw new Error('the target model has no `tmu` options')
  return model.tmu
}

/** 0-based indices of the TMU layers, ascending, each checked against the stack. */
export function tmuLayerIndices(model: ModelConfig): number[] {
  const { layers } = requireTmu(model)
  const layerCount = model.hidden.length
  for (const k of layers) {
    if (k > layerCount) {
      throw new Error(`TMU layer ${k} does not exist, the model has ${layerCount} layers`)
    }
  }
  return [...new Set(layers)].sort((a, b) => a - b).map((k) => k - 1)
}
