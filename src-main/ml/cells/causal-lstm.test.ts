import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  expectFiniteAndAgreeing,
  extremeTensor,
  EXTREME_BACKENDS,
} from '../../testing/extreme-values'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createParamStore, type ParamStore } from '../params'
import { createRng } from '../random'
import { causalLstmStep, createCausalLstmWeights } from './causal-lstm'
import { createGradientHighway, highwayStep } from './gradient-highway'
import type { LayerSpec } from './recurrent-cell'

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
const STATE: [number, number, number, number] = [2, 3, 4, 2]

/** Non-trivial layer-norm gains and shifts, so their gradients are exercised away from 1 and 0. */
function perturbNorms(params: ParamStore): void {
  tf.tidy(() => {
    for (const e of params.entries().filter((e) => e.layout === 'layerNorm')) {
      const [lo, hi] = e.name.endsWith('weight') ? [0.5, 1.5] : [-0.5, 0.5]
      e.variable.assign(tf.randomUniform(e.variable.shape, lo, hi, 'float32', 10))
    }
  })
}

describe('causalLstmStep and highwayStep on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const layerNorm of [false, true]) {
    it(`Causal LSTM gradients match finite differences (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
      const before = tf.memory().numTensors
      const params = createParamStore(createRng(2))
      const w = createCausalLstmWeights(spec(layerNorm), params.builder)
      const inputs = tf.tidy(() => ({
        x: variable4d(tf.randomUniform([2, 3, 4, 3], 0, 1, 'float32', 3)),
        h: variable4d(tf.randomUniform(STATE, -1, 1, 'float32', 4)),
        c: variable4d(tf.randomUniform(STATE, -1, 1, 'float32', 5)),
        m: variable4d(tf.randomUniform(STATE, -1, 1, 'float32', 6)),
        rh: tf.randomUniform(STATE, -1, 1, 'float32', 7),
        rc: tf.randomUniform(STATE, -1, 1, 'float32', 8),
        rm: tf.randomUniform(STATE, -1, 1, 'float32', 9),
      }))
      if (layerNorm) perturbNorms(params)
      // A random projection of all three outputs, so every output entry contributes.
      const loss = () =>
        tf.tidy(() => {
          const { state, m } = causalLstmStep(w, inputs.x, { h: inputs.h, c: inputs.c }, inputs.m)
          return tf.addN([
            tf.sum(tf.mul(state.h, inputs.rh)),
            tf.sum(tf.mul(state.c, inputs.rc)),
            tf.sum(tf.mul(m, inputs.rm)),
          ]) as tf.Scalar
        })
      // conv_o is OpenSTL's unused kernel: no gradient, and finite differences agree it has none.
      const variables = [
        inputs.x,
        inputs.h,
        inputs.c,
        inputs.m,
        ...params.entries().map((e) => e.variable),
      ]
      const samples = sampleGradients(loss, variables, { randomEntries: 2 })
      expect(worstRelativeError(samples, 1e-2)).toBeLessThan(1e-2)
      const convO = samples.filter((s) => s.variable.includes('conv_o.'))
      expect(convO.length).toBeGreaterThan(0)
      for (const s of convO) expect([s.analytic, Math.abs(s.numeric) < 1e-4]).toEqual([0, true])
      tf.dispose(inputs)
      params.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }

  for (const layerNorm of [false, true]) {
    it(`GHU gradients match finite differences (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
      const before = tf.memory().numTensors
      const params = createParamStore(createRng(3))
      const geometry = { channels: 2, kernelSize: 3, heightPatches: 3, widthPatches: 4, layerNorm }
      const highway = createGradientHighway(geometry, params.builder)
      if (layerNorm) perturbNorms(params)
      // Kernels at their U(±0.001) start barely move Z; wider ones exercise the switch.
      tf.tidy(() => {
        for (const e of params.entries().filter((e) => e.layout === 'conv2d')) {
          e.variable.assign(tf.randomUniform(e.variable.shape, -0.5, 0.5, 'float32', 11))
        }
      })
      const inputs = tf.tidy(() => ({
        h: variable4d(tf.randomUniform(STATE, -1, 1, 'float32', 12)),
        z: variable4d(tf.randomUniform(STATE, -1, 1, 'float32', 13)),
        r: tf.randomUniform(STATE, -1, 1, 'float32', 14),
      }))
      const loss = () =>
        tf.tidy(
          () => tf.sum(tf.mul(highwayStep(highway, inputs.h, inputs.z), inputs.r)) as tf.Scalar,
        )
      const variables = [inputs.h, inputs.z, ...params.entries().map((e) => e.variable)]
      const samples = sampleGradients(loss, variables)
      expect(worstRelativeError(samples, 1e-2)).toBeLessThan(1e-2)
      tf.dispose(inputs)
      params.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})

/** Large magnitudes (testing/extreme-values.ts): outputs and input gradients of one step. */
function stepAtExtremes(layerNorm: boolean): Float32Array[] {
  const params = createParamStore(createRng(4))
  const w = createCausalLstmWeights(spec(layerNorm), params.builder)
  const result = tf.tidy(() => {
    const inputs = [
      extremeTensor([2, 3, 4, 3], 0),
      ...[1, 2, 3].map((s) => extremeTensor(STATE, s)),
    ]
    const r = [0, 1, 2].map((k) => tf.randomUniform(STATE, -1, 1, 'float32', 20 + k))
    const outputs = (x: tf.Tensor, h: tf.Tensor, c: tf.Tensor, m: tf.Tensor) => {
      const out = causalLstmStep(
        w,
        x as tf.Tensor4D,
        { h: h as tf.Tensor4D, c: c as tf.Tensor4D },
        m as tf.Tensor4D,
      )
      return [out.state.h, out.state.c, out.m]
    }
    const loss = (...x: tf.Tensor[]) =>
      tf.addN(
        outputs(x[0]!, x[1]!, x[2]!, x[3]!).map((o, k) => tf.sum(tf.mul(o, r[k]!))),
      ) as tf.Scalar
    const values = outputs(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!)
    return [...values, ...tf.grads(loss)(inputs)].map((t) => t.dataSync() as Float32Array)
  })
  params.dispose()
  return result
}

describe('Causal LSTM at extreme values', () => {
  for (const layerNorm of [false, true]) {
    it(`stays finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu (layer norm ${layerNorm ? 'on' : 'off'})`, () =>
      expectFiniteAndAgreeing(() => stepAtExtremes(layerNorm)))
  }
})
