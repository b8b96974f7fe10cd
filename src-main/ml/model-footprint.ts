import type { ModelConfig, TrainConfig } from '../domain/model'
import { forwardConvFlops } from './conv-flops'
import { parameterCount } from './parameter-shapes'

/** What the run page and the model card say a network costs, from its config alone. */
export interface ModelFootprint {
  readonly parameters: number
  /** Convolution GFLOP of one clip's test rollout: Tin frames read, Tout predicted. */
  readonly gflopPerClip: number
}

export function modelFootprint(
  model: ModelConfig,
  train: Pick<TrainConfig, 'inputFrames' | 'outputFrames'>,
): ModelFootprint {
  const steps = train.inputFrames + train.outputFrames - 1
  return {
    parameters: parameterCount(model),
    gflopPerClip: forwardConvFlops(model, 1, steps) / 1e9,
  }
}
