import * as tf from '@tensorflow/tfjs'

/**
 * Sums and means that do not drift in float32. The wasm and onednn backends reduce with one
 * float32 accumulator, so a sum over n values is off by up to n·ε/2 (the mean of 311 040
 * squared errors came out 1e-4 relative too low on wasm, 3e-8 on cpu, which accumulates in
 * float64). Here the values are summed in stages of at most `PARTIAL_SUM_VALUES`, a tree of
 * depth ⌈log₆₄ n⌉, so each float32 partial sum covers few values. The result is still a sum
 * of the same values, and its gradient is still ones broadcast back: inside a gradient tape
 * it means exactly what `tf.sum` means.
 */

/** Values per partial sum: small enough to keep rounding near ε, large enough for few stages. */
export const PARTIAL_SUM_VALUES = 64

/** Σ over `axes` (default: all), the reduced axes dropped; float32. */
export function pairwiseSum(x: tf.Tensor, axes?: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const rank = x.rank
    const reduced = normaliseAxes(axes ?? x.shape.map((_, i) => i), rank)
    const kept = x.shape.map((_, i) => i).filter((i) => !reduced.includes(i))
    const keptShape = kept.map((i) => x.shape[i]!)
    const keptSize = keptShape.reduce((a, b) => a * b, 1)
    const trailing = kept.every((axis, i) => axis === i)
    // [kept…, reduced…] flattened to [keptSize, n]: each row is one sum.
    let rows = (trailing ? x : tf.transpose(x, [...kept, ...reduced])).reshape([keptSize, -1])
    let n = rows.shape[1]!
    while (n > PARTIAL_SUM_VALUES) {
      const groups = Math.ceil(n / PARTIAL_SUM_VALUES)
      const padded =
        groups * PARTIAL_SUM_VALUES === n
          ? rows
          : tf.pad(rows, [
              [0, 0],
              [0, groups * PARTIAL_SUM_VALUES - n],
            ])
      rows = tf.sum(padded.reshape([keptSize, groups, PARTIAL_SUM_VALUES]), 2)
      n = groups
    }
    return tf.sum(rows, 1).reshape(keptShape)
  })
}

/** Mean over `axes` (default: all) through `pairwiseSum`. */
export function pairwiseMean(x: tf.Tensor, axes?: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const reduced = normaliseAxes(axes ?? x.shape.map((_, i) => i), x.rank)
    const count = reduced.reduce((product, axis) => product * x.shape[axis]!, 1)
    return tf.div(pairwiseSum(x, reduced), count)
  })
}

function normaliseAxes(axes: readonly number[], rank: number): number[] {
  return [...new Set(axes.map((axis) => (axis < 0 ? axis + rank : axis)))].sort((a, b) => a - b)
}
