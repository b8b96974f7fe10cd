import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import { CONV_LSTM_GATES, convLstmGates, convLstmGatesComposite } from './conv-lstm-gates'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null

type Outputs = 'both' | 'h only'

/** c, h and the gradients of Σ c⊙rc + h⊙rh (or of Σ h⊙rh alone) with respect to both inputs. */
function forwardAndGrads(gatesOf: typeof convLstmGates, outputs: Outputs) {
  return tf.tidy(() => {
    // Pre-activations wide enough to reach the flat ends of σ and tanh.
    const gates = tf.randomUniform([2, 3, 4, 4 * 5], -6, 6, 'float32', 1) as tf.Tensor4D
    const cPrev = tf.randomUniform([2, 3, 4, 5], -2, 2, 'float32', 2) as tf.Tensor4D
    const rc = tf.randomUniform(cPrev.shape, -1, 1, 'float32', 3)
    const rh = tf.randomUniform(cPrev.shape, -1, 1, 'float32', 4)
    const { c, h } = gatesOf(gates, cPrev)
    const [dGates, dCPrev] = tf.grads((g: tf.Tensor, cp: tf.Tensor) => {
      const out = gatesOf(g as tf.Tensor4D, cp as tf.Tensor4D)
      const viaH = tf.sum(tf.mul(out.h, rh))
      return outputs === 'both' ? tf.add(viaH, tf.sum(tf.mul(out.c, rc))) : viaH
    })([gates, cPrev])
    return [c, h, dGates!, dCPrev!].map((t) => Array.from(t.dataSync()))
  })
}

describe('convLstmGates', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('runs tensor ops on a backend without the fused kernel', async () => {
    await initBackend('cpu')
    expect(tf.getKernel(CONV_LSTM_GATES, 'cpu')).toBeUndefined()
    expect(forwardAndGrads(convLstmGates, 'both')).toEqual(
      forwardAndGrads(convLstmGatesComposite, 'both'),
    )
  })

  for (const outputs of ['both', 'h only'] as const) {
    it.skipIf(missing !== null)(
      `fused on onednn: values and gradients match the tensor ops on cpu (${outputs} used)`,
      async () => {
        await initBackend('cpu')
        const reference = forwardAndGrads(convLstmGatesComposite, outputs)
        await initBackend('onednn')
        expect(tf.getKernel(CONV_LSTM_GATES, 'wasm')).toBeDefined()
        const before = tf.memory().numTensors
        const fused = forwardAndGrads(convLstmGates, outputs)
        expect(tf.memory().numTensors).toBe(before)
        for (const [i, name] of ['c', 'h', 'dGates', 'dCPrev'].entries()) {
          const worst = Math.max(...fused[i]!.map((v, j) => Math.abs(v - reference[i]![j]!)))
          expect(worst, name).toBeLessThan(1e-5)
        }
      },
    )
  }

  it.skipIf(missing !== null)('refuses gates that do not match the cell state', async () => {
    await initBackend('onednn')
    const gates = tf.zeros([1, 2, 2, 12]) as tf.Tensor4D
    const cPrev = tf.zeros([1, 2, 2, 4]) as tf.Tensor4D
    expect(() => convLstmGates(gates, cPrev)).toThrow(
      /onednn TmuConvLstmGates: gates \[1,2,2,12\] do not match the state \[1,2,2,4\] \(expected \[1,2,2,16\]\)/,
    )
    tf.dispose([gates, cPrev])
  })
})
