import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import type { LayerSpec } from '../cells/recurrent-cell'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { createTmuWeights, distilledKey, gateKey, tmuStep, type TmuStepOptions } from './tmu-cell'

const spec: LayerSpec = {
  index: 0,
  inChannels: 3,
  hiddenChannels: 4,
  kernelSize: 3,
  heightPatches: 4,
  widthPatches: 5,
  layerNorm: false,
}
const shape: [number, number, number, number] = [2, 4, 5, 4]
const sigmoid: TmuStepOptions = { gate: 'sigmoid', rescaleMemory: false }

describe('tmuStep', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('names its parameters as the release: conv (with bias and norm), distiller<m>', () => {
    const params = createParamStore(createRng(1))
    createTmuWeights(spec, params.builder, 2)
    expect(params.entries().map((e) => [e.name, e.variable.shape])).toEqual([
      ['conv.0.weight', [3, 3, 7, 24]],
      ['conv.0.bias', [24]],
      ['conv.1.weight', [4, 5, 24]],
      ['conv.1.bias', [4, 5, 24]],
      ['distiller1.0.weight', [1, 1, 4, 4]],
      ['distiller1.1.weight', [4, 5, 4]],
      ['distiller1.1.bias', [4, 5, 4]],
      ['distiller2.0.weight', [1, 1, 4, 4]],
      ['distiller2.1.weight', [4, 5, 4]],
      ['distiller2.1.bias', [4, 5, 4]],
    ])
    params.dispose()
  })

  it('is docs/method.md §3.3, checked against the equations written out elementwise', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(2))
    const w = createTmuWeights(spec, params.builder, 2)
    tf.tidy(() => {
      // Random gain and shift, so the layer norms are not the identity.
      for (const e of params.entries().filter((e) => e.layout === 'layerNorm')) {
        e.variable.assign(tf.randomUniform(e.variable.shape, 0.5, 1.5, 'float32', 3))
      }
      const x = tf.randomUniform([2, 4, 5, 3], 0, 1, 'float32', 4) as tf.Tensor4D
      const prev = {
        h: tf.randomUniform(shape, -1, 1, 'float32', 5) as tf.Tensor4D,
        c: tf.randomUniform(shape, -1, 1, 'float32', 6) as tf.Tensor4D,
      }
      for (const rescaleMemory of [false, true]) {
        const state = tmuStep(w, x, prev, { gate: 'sigmoid', rescaleMemory })
        // The same equations, spelled out with the release's layer order and gate formula.
        const conv = tf.add(tf.conv2d(tf.concat([x, prev.h], -1), w.kernel, 1, 'same'), w.bias)
        const { mean, variance } = tf.moments(conv, [1, 2, 3], true)
        const normed = tf.add(
          tf.mul(tf.div(tf.sub(conv, mean), tf.sqrt(tf.add(variance, 1e-5))), w.norm.gammaHWC),
          w.norm.betaHWC,
        )
        const [i, f, o, g, s1, s2] = tf.split(normed, 6, -1) as tf.Tensor4D[]
        const cTilde = tf.add(
          tf.mul(tf.sigmoid(f!), prev.c),
          tf.mul(tf.sigmoid(i!), tf.tanh(g!)),
        ) as tf.Tensor4D
        const d = w.distillers.map((dm) => {
          const y = tf.conv2d(cTilde, dm.kernel, 1, 'valid')
          const m = tf.moments(y, [1, 2, 3], true)
          const n = tf.div(tf.sub(y, m.mean), tf.sqrt(tf.add(m.variance, 1e-5)))
          return tf.add(tf.mul(n, dm.norm.gammaHWC), dm.norm.betaHWC)
        })
        const mix = (t: tf.Tensor, dm: tf.Tensor) =>
          tf.add(tf.mul(t, dm), tf.mul(tf.sub(1, t), cTilde))
        const [t1, t2] = [tf.sigmoid(s1!), tf.sigmoid(s2!)]
        let c = tf.add(tf.add(mix(t1, d[0]!), cTilde), mix(t2, d[1]!))
        if (rescaleMemory) c = tf.div(c, 3)
        const close = (a: tf.Tensor, b: tf.Tensor) =>
          expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5)
        close(state.cTilde, cTilde)
        close(state.h, tf.mul(tf.sigmoid(o!), tf.tanh(cTilde)))
        close(state[distilledKey(0)]!, d[0]!)
        close(state[distilledKey(1)]!, d[1]!)
        close(state[gateKey(0)]!, t1)
        close(state[gateKey(1)]!, t2)
        close(state.c, c)
      }
    })
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('bounds sigmoid gates to (0, 1) each and makes softmax gates sum to 1 across sources', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(7))
    const w = createTmuWeights(spec, params.builder, 3)
    tf.tidy(() => {
      // A large input drives the gate logits far from 0, where softmax and sigmoid differ most.
      const x = tf.randomUniform([2, 4, 5, 3], -20, 20, 'float32', 8) as tf.Tensor4D
      const prev = { h: tf.zeros(shape) as tf.Tensor4D, c: tf.zeros(shape) as tf.Tensor4D }
      const gatesOf = (gate: TmuStepOptions['gate']) => {
        const state = tmuStep(w, x, prev, { gate, rescaleMemory: false })
        return [0, 1, 2].map((m) => state[gateKey(m)]!)
      }
      const soft = tf.addN(gatesOf('softmax'))
      expect(tf.max(tf.abs(tf.sub(soft, 1))).dataSync()[0]).toBeLessThan(1e-6)
      const sig = gatesOf('sigmoid')
      expect(tf.min(tf.stack(sig)).dataSync()[0]).toBeGreaterThanOrEqual(0)
      expect(tf.max(tf.stack(sig)).dataSync()[0]).toBeLessThanOrEqual(1)
      // Independent sigmoids do not sum to 1 (else the option would change nothing).
      expect(tf.max(tf.abs(tf.sub(tf.addN(sig), 1))).dataSync()[0]).toBeGreaterThan(0.1)
    })
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  for (const gate of ['sigmoid', 'softmax'] as const) {
    it(`has gradients that match finite differences (${gate} gates)`, () => {
      const before = tf.memory().numTensors
      const params = createParamStore(createRng(9))
      const w = createTmuWeights(spec, params.builder, 2)
      const variable4d = (t: tf.Tensor) => tf.variable(t) as tf.Variable<tf.Rank.R4>
      const inputs = tf.tidy(() => ({
        x: variable4d(tf.randomUniform([2, 4, 5, 3], 0, 1, 'float32', 10)),
        h: variable4d(tf.randomUniform(shape, -1, 1, 'float32', 11)),
        c: variable4d(tf.randomUniform(shape, -1, 1, 'float32', 12)),
        r: [13, 14, 15, 16, 17].map((seed) => tf.randomUniform(shape, -1, 1, 'float32', seed)),
      }))
      tf.tidy(() => {
        for (const e of params.entries().filter((e) => e.layout === 'layerNorm')) {
          const [lo, hi] = e.name.endsWith('weight') ? [0.5, 1.5] : [-0.5, 0.5]
          e.variable.assign(tf.randomUniform(e.variable.shape, lo, hi, 'float32', 18))
        }
      })
      // A random projection of every output the trainer reads: H, C, C̃ and both D_m.
      const loss = () =>
        tf.tidy(() => {
          const state = tmuStep(w, inputs.x, { h: inputs.h, c: inputs.c }, { ...sigmoid, gate })
          const outputs = [state.h, state.c, state.cTilde, state.distilled0!, state.distilled1!]
          return tf.addN(outputs.map((y, k) => tf.sum(tf.mul(y, inputs.r[k]!)))) as tf.Scalar
        })
      const variables = [inputs.x, inputs.h, inputs.c, ...params.entries().map((e) => e.variable)]
      const samples = sampleGradients(loss, variables)
      expect(worstRelativeError(samples, 1e-2)).toBeLessThan(1e-2)
      tf.dispose([inputs.x, inputs.h, inputs.c, ...inputs.r])
      params.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})
