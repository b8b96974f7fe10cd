import * as tf from '@tensorflow/tfjs'
import type { TrainConfig } from '../../domain/model'
import { runSequence } from '../forward'
import type { LayerState } from '../cells/recurrent-cell'
import type { PredictiveNetwork } from '../network'
import { patchFrames } from '../patching'
import { checkTmuCompatibility } from './compatibility'
import { distillationTerms, gateMeansLMTB } from './distillation'
import { recordSourceMemories } from './memory-bank'
import type { TmuSource } from './sources'
import { requireTmu, tmuLayerIndices } from './tmu-layers'

/**
 * What the TMU shows users (docs/method.md §3.10): which source the target listens to and when
 * (the mean transfer gate T_m over channels and pixels, per step) and how well each distiller
 * guesses its source's memory. Plain numbers, for storage with the run.
 */

export interface TmuStepIntrospection {
  /** 1-based TMU layers, the order of the first index below. */
  readonly layers: readonly number[]
  /** gateMean[j][m][t]: mean T_m at TMU layer j after step t, over batch, channels, pixels. */
  readonly gateMean: number[][][]
  /** distillMse[j][m]: mean of (D_m − C^{(m)}_t)² over the batch, steps and elements. */
  readonly distillMse: number[][]
  /** L_dist before λ (docs/method.md §3.4). */
  readonly distillLoss: number
}

export interface ClipIntrospection {
  /** gateMean[j][m][t] for this clip, over channels and pixels. */
  readonly gateMean: number[][][]
  /** distillMse[j][m] for this clip; null when evaluated without sources. */
  readonly distillMse: number[][] | null
  /**
   * memoryMagnitude[l][t]: mean |C_t| of every layer l (0-based, TMU or not) after step t,
   * over channels and pixels: the carried memory's scale (docs/method.md §3.8).
   */
  readonly memoryMagnitude: number[][]
}

/** Reads and disposes the training step's statistics (tensors kept out of the step's tape). */
export async function readStepIntrospection(
  layers: readonly number[],
  kept: { gateMeansLMT: tf.Tensor3D; mseLM: tf.Tensor2D; loss: tf.Scalar },
): Promise<TmuStepIntrospection> {
  try {
    const [gateMean, distillMse, distillLoss] = await Promise.all([
      kept.gateMeansLMT.array(),
      kept.mseLM.array(),
      kept.loss.array(),
    ])
    return { layers: layers.map((l) => l + 1), gateMean, distillMse, distillLoss }
  } finally {
    tf.dispose([kept.gateMeansLMT, kept.mseLM, kept.loss])
  }
}

export interface InspectOptions {
  /** Tin: the network reads these frames, then its own guesses (η = 0). */
  readonly inputFrames: number
  /** The sources, for distillation errors; omit to inspect the gates alone. */
  readonly sources?: readonly TmuSource[]
  /** What the sources read after Tin: their own guesses ('mask' at η = 0) or the truth. */
  readonly sourceInput?: TrainConfig['sourceInput']
}

/**
 * Introspection of each clip of an evaluation batch, frames [N, T, H, W, C] in [0, 1]: the
 * network rolls out T−1 steps as at test time; sources, when given, on the same clips.
 */
export async function inspectClips(
  network: PredictiveNetwork,
  framesBTHWC: tf.Tensor5D,
  options: InspectOptions,
): Promise<ClipIntrospection[]> {
  const model = network.config
  const { sources: sourceCount } = requireTmu(model)
  const layers = tmuLayerIndices(model)
  if (options.sources) {
    checkTmuCompatibility(
      model,
      options.sources.map((s) => ({ name: s.name, config: s.network.config })),
    )
  }
  let gates!: tf.Tensor4D
  let magnitudes!: tf.Tensor3D
  // Assigned inside the tidy below; the cast keeps TypeScript from narrowing it to null.
  let mse = null as tf.Tensor3D | null
  tf.tidy(() => {
    const patched = patchFrames(framesBTHWC, model.patchSize)
    const { statesByStep } = runSequence(network, patched, {
      inputFrames: options.inputFrames,
      recordStates: true,
    })
    gates = gateMeansLMTB(statesByStep, layers, sourceCount)
    magnitudes = memoryMagnitudesLTB(statesByStep)
    if (options.sources) {
      mse = distillationErrorsLMB(network, patched, statesByStep, options.sources, options)
    }
    // tidy keeps the tensors it returns.
    return mse ? [gates, magnitudes, mse] : [gates, magnitudes]
  })
  try {
    const gatesLMTB = await gates.array()
    const magnitudesLTB = await magnitudes.array()
    const mseLMB = mse ? await mse.array() : null
    return Array.from({ length: framesBTHWC.shape[0] }, (_, b) => ({
      gateMean: gatesLMTB.map((byM) => byM.map((byT) => byT.map((byB) => byB[b] as number))),
      distillMse: mseLMB ? mseLMB.map((byM) => byM.map((byB) => byB[b] as number)) : null,
      memoryMagnitude: magnitudesLTB.map((byT) => byT.map((byB) => byB[b] as number)),
    }))
  } finally {
    tf.dispose([gates, magnitudes, ...(mse ? [mse] : [])])
  }
}

/** [layers, steps, B]: mean |C| of each layer's carried memory after each step. */
function memoryMagnitudesLTB(statesByStep: readonly (readonly LayerState[])[]): tf.Tensor3D {
  const layerCount = statesByStep[0]?.length ?? 0
  return tf.stack(
    Array.from({ length: layerCount }, (_, l) =>
      tf.stack(statesByStep.map((layers) => tf.mean(tf.abs(layers[l]!.c), [1, 2, 3]))),
    ),
  ) as tf.Tensor3D
}

/** [layers, M, B]: the sources run on the clips as `sourceInput` says, at η = 0. */
function distillationErrorsLMB(
  network: PredictiveNetwork,
  patched: tf.Tensor5D,
  statesByStep: readonly (readonly LayerState[])[],
  sources: readonly TmuSource[],
  options: InspectOptions,
): tf.Tensor3D {
  const layers = tmuLayerIndices(network.config)
  const [batch, frameCount] = patched.shape
  const positions = frameCount - 1 - options.inputFrames
  const truthMask =
    options.sourceInput === 'truth' && positions > 0
      ? tf.ones<tf.Rank.R2>([batch, positions])
      : null
  const banks = sources.map((s) =>
    recordSourceMemories(s.network, patched, {
      inputFrames: options.inputFrames,
      truthMaskBP: truthMask,
      layers,
    }),
  )
  return distillationTerms(statesByStep, banks, layers, frameCount).mseLMB
}
