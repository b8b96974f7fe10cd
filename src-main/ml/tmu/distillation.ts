import * as tf from '@tensorflow/tfjs'
import type { LayerState } from '../cells/recurrent-cell'
import { pairwiseMean, pairwiseSum } from '../pairwise-sum'
import type { SourceMemories } from './memory-bank'
import { distilledKey, distilledMKey, gateKey } from './tmu-cell'

/**
 * Distillation loss, docs/method.md §3.4, as the authors' release computes it (their
 * `l2_loss / (batch * total_length)` with `nn.MSELoss` per step and source):
 *
 *   L_dist = Σ_k Σ_{t=0}^{T−2} Σ_m mean_{b,y,x,c}( (D_m(C̃^k_t) − C^{k,(m)}_t)² ) / (B·T)
 *
 * and with `tmu.transferM` (banks that recorded M) the M distillers' terms beside C's, on the
 * same scale: + Σ_k Σ_t Σ_m mean( (D'_m(M̃^k_t) − M^{k,(m)}_t)² ) / (B·T).
 *
 * Our reading of each symbol:
 * - `mean` is over every element of the step's [B, h, w, hidden] tensor, batch included;
 * - T is the clip's frame count Tin + Tout (the release's `total_length`, 20), not the
 *   T−1 = 19 recurrent steps the sum runs over;
 * - so B appears twice (once in the mean, once in B·T): kept, because λ = 0.1 was chosen
 *   on this scale and λ must mean what it means there;
 * - Σ_k sums (does not average) over TMU layers; with the release's one layer it is moot.
 *
 * Because B appears twice, L_dist is not a per-clip mean: a micro-batch of b clips divides
 * by its own b inside the mean but by the whole step's B outside (`stepBatchSize`), so the
 * micro-batches' terms, weighted by b/B, add up to the whole batch's.
 */

export interface DistillationTerms {
  /** L_dist before λ. */
  readonly loss: tf.Scalar
  /** [layers, M, B]: (D_m − C^{(m)}_t)² per sample, averaged over steps and elements (C only). */
  readonly mseLMB: tf.Tensor3D
}

/**
 * `statesByStep[t][l]` are the target's recorded states; `banks[m]` source m's memories for
 * the same `layers` (0-based); `clipFrames` is T; `stepBatchSize` is B, by default the
 * clips recorded here.
 */
export function distillationTerms(
  statesByStep: readonly (readonly LayerState[])[],
  banks: readonly SourceMemories[],
  layers: readonly number[],
  clipFrames: number,
  stepBatchSize?: number,
): DistillationTerms {
  return tf.tidy(() => {
    const steps = statesByStep.length
    const batch = stepBatchSize ?? statesByStep[0]?.[0]?.h.shape[0] ?? 0
    // [steps, B, h, w, C]. Σ_t mean_t = (Σ over steps and elements) / (elements per step),
    // summed pairwise: millions of values, where a float32 running sum drifts.
    const squaresOf = (
      l: number,
      m: number,
      key: string,
      memories: readonly tf.Tensor4D[] | undefined,
      what: string,
    ) => {
      if (memories?.length !== steps) {
        throw new Error(
          `distillation: source ${m + 1} recorded ${memories?.length} steps of ${what}, the target ${steps}`,
        )
      }
      const distilled = statesByStep.map((layerStates) => recorded(layerStates, l, key))
      return tf.squaredDifference(tf.stack(distilled), tf.stack([...memories]))
    }
    const sumOverSteps = (squares: tf.Tensor) =>
      tf.div(pairwiseSum(squares), squares.size / steps) as tf.Scalar
    const perLayer = layers.map((l, j) =>
      banks.map((bank, m) => {
        const squares = squaresOf(l, m, distilledKey(m), bank.byLayer[j], 'C')
        return {
          sumOverSteps: sumOverSteps(squares),
          mseB: pairwiseMean(squares, [0, 2, 3, 4]) as tf.Tensor1D,
        }
      }),
    )
    const ofM = layers.flatMap((l, j) =>
      banks.flatMap((bank, m) =>
        bank.mByLayer
          ? [sumOverSteps(squaresOf(l, m, distilledMKey(m), bank.mByLayer[j], 'M'))]
          : [],
      ),
    )
    const sums = [...perLayer.flat().map((term) => term.sumOverSteps), ...ofM]
    const loss = tf.div(tf.addN(sums), batch * clipFrames) as tf.Scalar
    const mseLMB = tf.stack(
      perLayer.map((row) => tf.stack(row.map((term) => term.mseB))),
    ) as tf.Tensor3D
    return { loss, mseLMB }
  })
}

/**
 * Mean transfer gate T_m per layer, source, step and sample, averaged over channels and
 * pixels: [layers, M, steps, B]. Needs no source, so it works at inference too.
 */
export function gateMeansLMTB(
  statesByStep: readonly (readonly LayerState[])[],
  layers: readonly number[],
  sources: number,
): tf.Tensor4D {
  return tf.tidy(
    () =>
      tf.stack(
        layers.map((l) =>
          tf.stack(
            Array.from({ length: sources }, (_, m) =>
              pairwiseMean(
                tf.stack(statesByStep.map((s) => recorded(s, l, gateKey(m)))),
                [2, 3, 4],
              ),
            ),
          ),
        ),
      ) as tf.Tensor4D,
  )
}

function recorded(layerStates: readonly LayerState[], layer: number, key: string): tf.Tensor4D {
  const tensor = layerStates[layer]?.[key]
  if (!tensor)
    throw new Error(`distillation: layer ${layer + 1} recorded no ${key} (not a TMU layer?)`)
  return tensor
}
