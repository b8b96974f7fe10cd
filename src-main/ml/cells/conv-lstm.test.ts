import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { convLstmStep, createConvLstmWeights } from './conv-lstm'
import type { LayerSpec } from './recurrent-cell'

const variable4d = (t: tf.Tensor) => tf.variable(t) as tf.Variable<tf.Rank.R4>

const spec = (layerNorm: boolean): LayerSpec => ({
  index: 0,
  inChannels: 3,
  hiddenChannels: 4,
  kernelSize: 3,
  heightPatches: 4,
  widthPatches: 5,
  layerNorm,
})

describe('convLstmStep', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('is the docs/method.md §2.1 ConvLSTM (checked by hand with a zero kernel)', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(1))
    const w = createConvLstmWeights(spec(false), params.builder)
    tf.tidy(() => {
      // With a zero kernel the gates are the bias alone: i, f, o, g = b_i, b_f, b_o, b_g.
      params.get('conv.0.weight').assign(tf.zerosLike(w.kernel))
      const b = [0.5, -1, 2, 0.3]
      params.get('conv.0.bias').assign(tf.tensor1d(b.flatMap((v) => [v, v, v, v])))
      const shape: [number, number, number, number] = [1, 4, 5, 4]
      const cPrev = 0.7
      const { h, c } = convLstmStep(w, tf.ones([1, 4, 5, 3]), {
        h: tf.ones(shape),
        c: tf.fill(shape, cPrev),
      })
      const σ = (v: number) => 1 / (1 + Math.exp(-v))
      const [bi, bf, bo, bg] = b as [number, number, number, number]
      const cExpected = σ(bf) * cPrev + σ(bi) * Math.tanh(bg)
      expect(c.dataSync()[7]).toBeCloseTo(cExpected, 6)
      expect(h.dataSync()[7]).toBeCloseTo(σ(bo) * Math.tanh(cExpected), 6)
    })
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  for (const layerNorm of [false, true]) {
    it(`has gradients that match finite differences (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
      const before = tf.memory().numTensors
      const params = createParamStore(createRng(2))
      const w = createConvLstmWeights(spec(layerNorm), params.builder)
      const inputs = tf.tidy(() => ({
        x: variable4d(tf.randomUniform([2, 4, 5, 3], 0, 1, 'float32', 3)),
        h: variable4d(tf.randomUniform([2, 4, 5, 4], -1, 1, 'float32', 4)),
        c: variable4d(tf.randomUniform([2, 4, 5, 4], -1, 1, 'float32', 5)),
        rh: tf.randomUniform([2, 4, 5, 4], -1, 1, 'float32', 6),
        rc: tf.randomUniform([2, 4, 5, 4], -1, 1, 'float32', 7),
      }))
      if (layerNorm) {
        // Non-trivial gain and shift, so their gradients are exercised away from 1 and 0.
        tf.tidy(() => {
          params.get('conv.1.weight').assign(tf.randomUniform([4, 5, 16], 0.5, 1.5, 'float32', 8))
          params.get('conv.1.bias').assign(tf.randomUniform([4, 5, 16], -0.5, 0.5, 'float32', 9))
        })
      }
      // A random projection of both outputs, so every output entry contributes.
      const loss = () =>
        tf.tidy(() => {
          const { h, c } = convLstmStep(w, inputs.x, { h: inputs.h, c: inputs.c })
          return tf.add(tf.sum(tf.mul(h, inputs.rh)), tf.sum(tf.mul(c, inputs.rc))) as tf.Scalar
        })
      const variables = [inputs.x, inputs.h, inputs.c, ...params.entries().map((e) => e.variable)]
      const samples = sampleGradients(loss, variables)
      expect(worstRelativeError(samples, 1e-2)).toBeLessThan(1e-2)
      tf.dispose(inputs)
      params.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})
