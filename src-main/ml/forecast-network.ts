import { CELL_LABELS, isRecurrentCell, type ModelConfig } from '../domain/model'
import { createNetwork, type NetworkOptions, type PredictiveNetwork } from './network'
import { createSimVpNetwork, type SimVpNetwork } from './simvp/simvp-network'

/**
 * The one seam where a non-recurrent model enters the trainer, evaluation, prediction and
 * checkpoints: whatever `ModelConfig.cell` names, built from its seed, its weights in one
 * ParamStore. The recurrent stacks step through time (forward.ts); SimVP and TAU map
 * context to future at once (simvp/simvp-forecast.ts).
 */
export type ForecastNetwork = PredictiveNetwork | SimVpNetwork

export function createForecastNetwork(
  config: ModelConfig,
  options: NetworkOptions,
): ForecastNetwork {
  if (isRecurrentCell(config.cell)) return createNetwork(config, options)
  if (options.cellFactory) {
    throw new Error(`network: ${CELL_LABELS[config.cell]} has no recurrent cells to replace`)
  }
  return createSimVpNetwork(config, options)
}

export function isSimVpNetwork(net: ForecastNetwork): net is SimVpNetwork {
  return 'kind' in net && net.kind === 'simvp'
}

/** The recurrent stack, for what only it has (the TMU's memories and gates). */
export function requireRecurrentNetwork(net: ForecastNetwork): PredictiveNetwork {
  if (isSimVpNetwork(net)) {
    throw new Error(`network: ${CELL_LABELS[net.config.cell]} holds no recurrent state`)
  }
  return net
}
