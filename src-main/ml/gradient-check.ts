import * as tf from '@tensorflow/tfjs'
import { createRng } from './random'

/**
 * Finite-difference check of tfjs's gradients, for the tests of every cell and network
 * (the TMU's included): central differences (f(θ+ε) − f(θ−ε)) / 2ε on a few entries of each
 * variable, the largest-gradient entry plus seeded random ones.
 *
 * Everything is float32, so ε cannot be tiny: rounding noise in f grows like 1e-7·|f|/ε while
 * the central difference's truncation error shrinks like ε². ε = 1e-2 on O(1) losses keeps
 * both near 1e-3 of a typical gradient for one cell step; a whole unrolled network curves
 * more sharply and needs ε ≈ 2e-3 (measured: 5 % truncation error at 1e-2 on the largest
 * entries).
 */

export interface GradientSample {
  readonly variable: string
  readonly index: number
  readonly analytic: number
  readonly numeric: number
}

export interface GradientCheckOptions {
  readonly randomEntries?: number
  readonly epsilon?: number
  readonly seed?: number
}

export function sampleGradients(
  loss: () => tf.Scalar,
  variables: readonly tf.Variable[],
  { randomEntries = 3, epsilon = 1e-2, seed = 1 }: GradientCheckOptions = {},
): GradientSample[] {
  const rng = createRng(seed)
  const { value, grads } = tf.variableGrads(loss, [...variables])
  value.dispose()
  const lossAt = () => tf.tidy(() => loss().dataSync()[0] as number)
  const samples: GradientSample[] = []
  for (const variable of variables) {
    const grad = grads[variable.name]
    const analytic = grad ? grad.dataSync() : new Float32Array(variable.size)
    let largest = 0
    analytic.forEach((g, i) => {
      if (Math.abs(g) > Math.abs(analytic[largest] as number)) largest = i
    })
    const indices = new Set([largest])
    for (let k = 0; k < randomEntries; k++) indices.add(Math.floor(rng.next() * variable.size))

    const original = variable.dataSync().slice()
    const setEntry = (index: number, delta: number) => {
      const values = original.slice()
      values[index] = (values[index] as number) + delta
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)))
    }
    for (const index of indices) {
      setEntry(index, epsilon)
      const up = lossAt()
      setEntry(index, -epsilon)
      const down = lossAt()
      samples.push({
        variable: variable.name,
        index,
        analytic: analytic[index] as number,
        numeric: (up - down) / (2 * epsilon),
      })
    }
    setEntry(0, 0)
  }
  tf.dispose(grads)
  return samples
}

/**
 * Worst relative disagreement, |a − n| / max(|a|, |n|, floor): `floor` keeps entries whose
 * gradient is nearly zero from turning rounding noise into a large ratio.
 */
export function worstRelativeError(samples: readonly GradientSample[], floor: number): number {
  return Math.max(
    ...samples.map(
      (s) =>
        Math.abs(s.analytic - s.numeric) /
        Math.max(Math.abs(s.analytic), Math.abs(s.numeric), floor),
    ),
  )
}
