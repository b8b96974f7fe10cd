import * as tf from '@tensorflow/tfjs'
import { firstMaskedStep, mixTruthAndGuess } from '../forward'
import { sliceTime } from '../time-axis'
import {
  stepNetwork,
  zeroNetworkState,
  type NetworkState,
  type NetworkStep,
  type PredictiveNetwork,
} from '../network'

/**
 * Memory bank, docs/method.md §3.2: a frozen source network runs on the target's clip with the
 * target's truth mask, and its cell memories C^{k,(m)}_t of the TMU layers are kept, for
 * t = 0 … steps−1 (the same steps as the target, so index t meets the target's C̃_t). With `recordM` (`tmu.transferM`) the spatiotemporal memories M^{k,(m)}_t the
 * same layers hand on are kept too (the zig-zag M of the PredRNN family, §3.2).
 *
 * Called outside any gradient tape: nothing here is differentiated, and nothing but the
 * recorded memories outlives its step (a step's other states are disposed as soon as the
 * next step has read them), so a source costs one forward pass of activations at a time.
 */

export interface SourceMemories {
  /** byLayer[j][t]: C_t of the j-th recorded layer, [B, h, w, hidden]. */
  readonly byLayer: readonly (readonly tf.Tensor4D[])[]
  /** mByLayer[j][t]: the M the j-th recorded layer handed on at t; null unless `recordM`. */
  readonly mByLayer: readonly (readonly tf.Tensor4D[])[] | null
  dispose(): void
}

export interface RecordOptions {
  /** Tin, the frames always read from the clip. */
  readonly inputFrames: number
  /** [B, steps − from], 1 where the source reads the truth; null: its own guesses. */
  readonly truthMaskBP: tf.Tensor2D | null
  /** The first step the mask covers: Tin unless reverse scheduled sampling (firstMaskedStep). */
  readonly truthMaskFrom?: number
  /** 0-based layers whose C to keep (the target's TMU layers). */
  readonly layers: readonly number[]
  /** Recurrent steps; defaults to T−1 for a clip of T frames. */
  readonly steps?: number
  /** Keep each layer's spatiotemporal memory M as well (`tmu.transferM`); default false. */
  readonly recordM?: boolean
}

export function recordSourceMemories(
  source: PredictiveNetwork,
  patchedBTHWC: tf.Tensor5D,
  options: RecordOptions,
): SourceMemories {
  const [batch, frameCount] = patchedBTHWC.shape
  const steps = options.steps ?? frameCount - 1
  const maskFrom = firstMaskedStep(options)
  const byLayer: tf.Tensor4D[][] = options.layers.map(() => [])
  const mByLayer: tf.Tensor4D[][] | null = options.recordM ? options.layers.map(() => []) : null
  const kept = new Set<tf.Tensor>()
  let state: NetworkState = zeroNetworkState(source, batch)
  let guess: tf.Tensor4D | null = null
  try {
    for (let t = 0; t < steps; t++) {
      let next!: NetworkStep
      tf.tidy(() => {
        const frame = sliceTime(patchedBTHWC, t, 1).squeeze([1]) as tf.Tensor4D
        const x =
          t < maskFrom || !guess
            ? frame
            : mixTruthAndGuess(frame, maskColumn(options.truthMaskBP, t - maskFrom), guess)
        next = stepNetwork(source, x, state)
        // tidy keeps the tensors it returns.
        const handedOn = mByLayer ? options.layers.map((l) => next.zigzagByLayer[l]) : []
        return [next.guess, ...tensorsOf(next.state), ...handedOn.filter((m) => m != null)]
      })
      options.layers.forEach((l, j) => {
        const c = next.state.layers[l]?.c
        if (!c) throw new Error(`memory bank: the source has no layer ${l + 1}`)
        byLayer[j]?.push(c)
        kept.add(c)
        if (!mByLayer) return
        const m = next.zigzagByLayer[l]
        if (!m) throw new Error(`memory bank: the source's layer ${l + 1} hands on no M`)
        mByLayer[j]?.push(m)
        kept.add(m)
      })
      disposeUnshared([...tensorsOf(state), ...(guess ? [guess] : [])], next, kept)
      state = next.state
      guess = next.guess
    }
  } catch (error) {
    tf.dispose([...kept])
    throw error
  } finally {
    disposeUnshared([...tensorsOf(state), ...(guess ? [guess] : [])], null, kept)
  }
  const all = () => [...byLayer.flat(), ...(mByLayer ?? []).flat()]
  return { byLayer, mByLayer, dispose: () => tf.dispose(all()) }
}

function maskColumn(maskBP: tf.Tensor2D | null, position: number): tf.Tensor1D | undefined {
  return maskBP ? (maskBP.slice([0, position], [-1, 1]).squeeze([1]) as tf.Tensor1D) : undefined
}

function tensorsOf(state: NetworkState): tf.Tensor[] {
  return [
    ...state.layers.flatMap((l) => Object.values(l)),
    ...(state.zigzag ? [state.zigzag] : []),
    ...(state.highway ? [state.highway] : []),
  ]
}

/**
 * Frees the previous step's tensors except those the next step carries on (a cell may pass
 * a tensor through unchanged, e.g. PredRNN's M past a layer without it) or the bank keeps.
 */
function disposeUnshared(
  previous: readonly tf.Tensor[],
  next: NetworkStep | null,
  kept: ReadonlySet<tf.Tensor>,
): void {
  const carried = new Set(next ? [...tensorsOf(next.state), next.guess] : [])
  for (const tensor of new Set(previous)) {
    if (!carried.has(tensor) && !kept.has(tensor)) tensor.dispose()
  }
}
