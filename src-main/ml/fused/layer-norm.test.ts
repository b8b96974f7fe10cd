import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import { LAYER_NORM, layerNormComposite, layerNormalise } from './layer-norm'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null
const EPSILON = 1e-5

/** y and the gradients of Σ y⊙r with respect to x, γ and β. */
function forwardAndGrads(
  norm: (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number) => tf.Tensor,
) {
  return tf.tidy(() => {
    // Samples with different means and spreads, so the normalisation does real work.
    const x = tf.add(
      tf.mul(
        tf.randomUniform([3, 4, 5, 6], -1, 1, 'float32', 1),
        tf.tensor([1, 3, 0.2]).reshape([3, 1, 1, 1]),
      ),
      tf.tensor([0, 5, -2]).reshape([3, 1, 1, 1]),
    )
    const gamma = tf.randomUniform([4, 5, 6], 0.5, 1.5, 'float32', 2)
    const beta = tf.randomUniform([4, 5, 6], -0.5, 0.5, 'float32', 3)
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
      for (const [i, name] of ['y', 'dx', 'dGamma', 'dBeta'].entries()) {
        const scale = Math.max(1, ...reference[i]!.map(Math.abs))
        const worst = Math.max(...fused[i]!.map((v, j) => Math.abs(v - reference[i]![j]!)))
        expect(worst / scale, name).toBeLessThan(1e-5)
      }
    },
  )

  it.skipIf(missing !== null)('refuses a gain that does not fit the samples', async () => {
    await initBackend('onednn')
    const [x, gamma, beta] = [tf.zeros([2, 3, 4]), tf.ones([3, 5]), tf.zeros([3, 4])]
    expect(() => layerNormalise(x, gamma, beta, EPSILON)).toThrow(
      /onednn TmuLayerNorm: \[3,5\] does not fit samples of \[3,4\]/,
    )
    tf.dispose([x, gamma, beta])
  })
})
