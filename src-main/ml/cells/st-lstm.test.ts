import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createParamStore } from '../params'
import { createRng } from '../random'
import type { LayerSpec } from './recurrent-cell'
import { createStLstmWeights, stLstmStep } from './st-lstm'

const variable4d = (t: tf.Tensor) => tf.variable(t) as tf.Variable<tf.Rank.R4>

const spec = (layerNorm: boolean): LayerSpec => ({
  index: 0,
  inChannels: 3,
  hiddenChannels: 2,
  kernelSize: 3,
  heightPatches: 3,
  widthPatches: 4,
  layerNorm,
})

describe('stLstmStep', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('adds the forget bias and reads concat[C, M] in the output path (zero k×k kernels)', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(1))
    const w = createStLstmWeights(spec(false), params.builder)
    tf.tidy(() => {
      for (const e of params.entries()) e.variable.assign(tf.zerosLike(e.variable))
      // conv_last: weight a on every C channel, b on every M channel.
      const [a, b] = [0.3, -0.2]
      params.get('conv_last.weight').assign(tf.tensor4d([a, a, a, a, b, b, b, b], [1, 1, 4, 2]))
      const shape: [number, number, number, number] = [1, 3, 4, 2]
      const [cPrev, mBelow] = [0.8, -0.6]
      const out = stLstmStep(
        w,
        tf.ones([1, 3, 4, 3]),
        { h: tf.ones(shape), c: tf.fill(shape, cPrev) },
        tf.fill(shape, mBelow),
      )
      // All gate pre-activations are 0: C = σ(0+1)·C_prev + σ(0)·tanh(0), likewise M, o = σ(0).
      const σ = (v: number) => 1 / (1 + Math.exp(-v))
      const c = σ(1) * cPrev
      const m = σ(1) * mBelow
      expect(out.state.c.dataSync()[5]).toBeCloseTo(c, 6)
      expect(out.m.dataSync()[5]).toBeCloseTo(m, 6)
      expect(out.state.h.dataSync()[5]).toBeCloseTo(0.5 * Math.tanh(2 * a * c + 2 * b * m), 6)
    })
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  for (const layerNorm of [false, true]) {
    it(`has gradients that match finite differences (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
      const before = tf.memory().numTensors
      const params = createParamStore(createRng(2))
      const w = createStLstmWeights(spec(layerNorm), params.builder)
      const shape: [number, number, number, number] = [2, 3, 4, 2]
      const inputs = tf.tidy(() => ({
        x: variable4d(tf.randomUniform([2, 3, 4, 3], 0, 1, 'float32', 3)),
        h: variable4d(tf.randomUniform(shape, -1, 1, 'float32', 4)),
        c: variable4d(tf.randomUniform(shape, -1, 1, 'float32', 5)),
        m: variable4d(tf.randomUniform(shape, -1, 1, 'float32', 6)),
        rh: tf.randomUniform(shape, -1, 1, 'float32', 7),
        rc: tf.randomUniform(shape, -1, 1, 'float32', 8),
        rm: tf.randomUniform(shape, -1, 1, 'float32', 9),
      }))
      if (layerNorm) {
        // Non-trivial gains and shifts, so their gradients are exercised away from 1 and 0.
        tf.tidy(() => {
          for (const e of params.entries().filter((e) => e.layout === 'layerNorm')) {
            const [lo, hi] = e.name.endsWith('weight') ? [0.5, 1.5] : [-0.5, 0.5]
            e.variable.assign(tf.randomUniform(e.variable.shape, lo, hi, 'float32', 10))
          }
        })
      }
      // A random projection of all three outputs, so every output entry contributes.
      const loss = () =>
        tf.tidy(() => {
          const { state, m } = stLstmStep(w, inputs.x, { h: inputs.h, c: inputs.c }, inputs.m)
          return tf.addN([
            tf.sum(tf.mul(state.h, inputs.rh)),
            tf.sum(tf.mul(state.c, inputs.rc)),
            tf.sum(tf.mul(m, inputs.rm)),
          ]) as tf.Scalar
        })
      const variables = [
        inputs.x,
        inputs.h,
        inputs.c,
        inputs.m,
        ...params.entries().map((e) => e.variable),
      ]
      const samples = sampleGradients(loss, variables, { randomEntries: 2 })
      expect(worstRelativeError(samples, 1e-2)).toBeLessThan(1e-2)
      tf.dispose(inputs)
      params.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})
