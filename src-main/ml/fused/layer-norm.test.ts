import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import { LAYER_NORM, layerNormComposite, layerNormalise } from './layer-norm'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null
const EPSILON = 1e-5

/** Samples of one shape with different means and spreads, so the normalisation does real work. */
interface Samples {
  readonly shape: [number, number, number, number]
  readonly means: number[]
  readonly spreads: number[]
}
const SMALL: Samples = { shape: [3, 4, 5, 6], means: [0, 5, -2], spreads: [1, 3, 0.2] }
/** A cell's 16×16×64 state, off-centre: a float32 running sum over it drifts. */
const WIDE: Samples = { shape: [2, 16, 16, 64], means: [100, -30], spreads: [1, 0.1] }

function sampleTensors({ shape, means, spreads }: Samples) {
  const perSample = [shape[0], 1, 1, 1]
  const x = tf.add(
    tf.mul(tf.randomUniform(shape, -1, 1, 'float32', 1), tf.tensor(spreads).reshape(perSample)),
    tf.tensor(means).reshape(perSample),
  )
  const gamma = tf.randomUniform(shape.slice(1), 0.5, 1.5, 'float32', 2)
  const beta = tf.randomUniform(shape.slice(1), -0.5, 0.5, 'float32', 3)
  return { x, gamma, beta }
}

/** y and the gradients of Σ y⊙r with respect to x, γ and β. */
function forwardAndGrads(
  norm: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) => tf.Tensor,
  samples: Samples = SMALL,
) {
  return tf.tidy(() => {
    const { x, gamma, beta } = sampleTensors(samples)
    const r = tf.randomUniform(x.shape, -1, 1, 'float32', 4)
    const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(norm(a, g, b, EPSILON), r))
    const grads = tf.grads(f)([x, gamma, beta])
    return [norm(x, gamma, beta, EPSILON), ...grads].map((t) => Array.from(t.dataSync()))
  })
}

describe('layerNormalise', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('runs tensor ops on a backend without the fused kernel', async () => {
    await initBackend('cpu')
    expect(tf.getKernel(LAYER_NORM, 'cpu')).toBeUndefined()
    expect(forwardAndGrads(layerNormalise)).toEqual(forwardAndGrads(layerNormComposite))
  })

  it.skipIf(missing !== null)(
    'fused on onednn: values and gradients match the tensor ops on cpu',
    async () => {
      await initBackend('cpu')
      const reference = forwardAndGrads(layerNormComposite)
      await initBackend('onednn')
      expect(tf.getKernel(LAYER_NORM, 'wasm')).toBeDefined()
      const before = tf.memory().numTensors
      const fused = forwardAndGrads(layerNormalise)
      expect(tf.memory().numTensors).toBe(before)
      expectParity(fused, reference)
    },
  )

  it('tensor ops on wasm: within 1e-5 of float64 and of cpu, samples of 16 384 values', async () => {
    await initBackend('cpu')
    const onCpu = [SMALL, WIDE].map((samples) => forwardAndGrads(layerNormComposite, samples))
    const want = float64LayerNorm(WIDE)
    await initBackend('wasm')
    expect(tf.getKernel(LAYER_NORM, 'wasm')).toBeUndefined()
    const before = tf.memory().numTensors
    const onWasm = [SMALL, WIDE].map((samples) => forwardAndGrads(layerNormalise, samples))
    expect(tf.memory().numTensors).toBe(before)
    onWasm.forEach((got, i) => expectParity(got, onCpu[i]!))
    // tf.moments here put y 2.4e-4 from float64 on wasm (cpu: 6.7e-6).
    expect(worstRelative(onWasm[1]![0]!, want)).toBeLessThan(1e-5)
    expect(worstRelative(onCpu[1]![0]!, want)).toBeLessThan(1e-5)
  })

  it.skipIf(missing !== null)('refuses a gain that does not fit the samples', async () => {
    await initBackend('onednn')
    const [x, gamma, beta] = [tf.zeros([2, 3, 4]), tf.ones([3, 5]), tf.zeros([3, 4])]
    expect(() => layerNormalise(x, gamma, beta, EPSILON)).toThrow(
      /onednn TmuLayerNorm: \[3,5\] does not fit samples of \[3,4\]/,
    )
    tf.dispose([x, gamma, beta])
  })
})

/** Worst |got − want| relative to max(1, |want|), over y, dx, dγ and dβ. */
function expectParity(got: number[][], want: number[][]) {
  for (const [i, name] of ['y', 'dx', 'dGamma', 'dBeta'].entries()) {
    expect(worstRelative(got[i]!, want[i]!), name).toBeLessThan(1e-5)
  }
}

function worstRelative(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let scale = 1
  let worst = 0
  for (let j = 0; j < want.length; j++) {
    scale = Math.max(scale, Math.abs(want[j]!))
    worst = Math.max(worst, Math.abs(got[j]! - want[j]!))
  }
  return worst / scale
}

/** y in float64 from the same float32 inputs: the mean, then the variance of centred values. */
function float64LayerNorm(samples: Samples): Float64Array {
  const [x, gamma, beta] = tf.tidy(() => {
    const t = sampleTensors(samples)
    return [t.x, t.gamma, t.beta].map((v) => v.dataSync())
  }) as [Float32Array, Float32Array, Float32Array]
  const n = gamma.length
  const y = new Float64Array(x.length)
  for (let start = 0; start < x.length; start += n) {
    let mean = 0
    for (let i = 0; i < n; i++) mean += x[start + i]!
    mean /= n
    let variance = 0
    for (let i = 0; i < n; i++) variance += (x[start + i]! - mean) ** 2
    variance /= n
    const scale = 1 / Math.sqrt(variance + EPSILON)
    for (let i = 0; i < n; i++) {
      y[start + i] = (x[start + i]! - mean) * scale * gamma[i]! + beta[i]!
    }
  }
  return y
}
