import * as tf from '@tensorflow/tfjs'
import { runSequence } from '../forward'
import type { PredictiveNetwork } from '../network'
import { patchFrames } from '../patching'
import { distilledKey, gateKey } from './tmu-cell'
import { requireTmu, tmuLayerIndices } from './tmu-layers'

/**
 * The TMU's internals in space (docs/method.md §3.10), per clip, TMU layer and predicted frame:
 * each source's transfer gate T_m, how far its distilled memory departs from the target's own
 * (|D_m − C̃_t|) and the carried memory's magnitude |C_t|, each averaged over channels, at the
 * network's patch resolution h×w. Step t reads frame t and guesses frame t+1, so the maps of
 * lead time j come from step Tin − 2 + j: they line up with the prediction of that frame.
 * Needs no source, so an evaluate-only job keeps them too.
 */

/** Size and order of one clip's maps: planes [layer][lead time][plane][y][x], float32. */
export interface ClipMapsLayout {
  /** 1-based TMU layers, the first index. */
  readonly layers: readonly number[]
  readonly sources: number
  readonly leadTimes: number
  readonly height: number
  readonly width: number
}

/**
 * Planes per (layer, lead time): T_1 … T_M, then |D_1 − C̃| … |D_M − C̃|, then |C|. The reader
 * (services/run-artifacts-service.ts) and the player slice them by this order.
 */
export const planesPerStep = (sources: number) => 2 * sources + 1

export interface ClipMaps {
  readonly layout: ClipMapsLayout
  /** One Float32Array per clip of the batch, in batch order. */
  readonly perClip: Float32Array[]
}

/** Maps of each clip of `framesBTHWC` ([B, Tin + Tout, H, W, C] in [0, 1]), rolled out at η = 0. */
export async function inspectClipMaps(
  network: PredictiveNetwork,
  framesBTHWC: tf.Tensor5D,
  options: { inputFrames: number; outputFrames: number },
): Promise<ClipMaps> {
  const model = network.config
  const { sources } = requireTmu(model)
  const layers = tmuLayerIndices(model)
  const { inputFrames, outputFrames } = options
  const maps = tf.tidy(() => {
    const patched = patchFrames(framesBTHWC, model.patchSize)
    const { statesByStep } = runSequence(network, patched, { inputFrames, recordStates: true })
    const steps = statesByStep.slice(inputFrames - 1, inputFrames - 1 + outputFrames)
    if (steps.length !== outputFrames) {
      throw new Error(
        `clip maps: ${outputFrames} lead times need ${inputFrames + outputFrames} frames`,
      )
    }
    // [B, layers, lead times, planes, h, w]
    return tf.stack(
      layers.map((l) =>
        tf.stack(
          steps.map((states) => {
            const state = states[l]!
            const cTilde = state['cTilde']!
            const planes = [
              ...Array.from({ length: sources }, (_, m) => tf.mean(state[gateKey(m)]!, -1)),
              ...Array.from({ length: sources }, (_, m) =>
                tf.mean(tf.abs(tf.sub(state[distilledKey(m)]!, cTilde)), -1),
              ),
              tf.mean(tf.abs(state.c), -1),
            ]
            return tf.stack(planes, 1)
          }),
          1,
        ),
      ),
      1,
    ) as tf.Tensor
  })
  try {
    const values = (await maps.data()) as Float32Array
    const [batch, , , , height, width] = maps.shape as number[]
    const perClipSize = values.length / batch!
    return {
      layout: {
        layers: layers.map((l) => l + 1),
        sources,
        leadTimes: outputFrames,
        height: height!,
        width: width!,
      },
      perClip: Array.from({ length: batch! }, (_, b) =>
        values.slice(b * perClipSize, (b + 1) * perClipSize),
      ),
    }
  } finally {
    maps.dispose()
  }
}
