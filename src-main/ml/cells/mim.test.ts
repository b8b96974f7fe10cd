import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  expectFiniteAndAgreeing,
  extremeTensor,
  EXTREME_BACKENDS,
} from '../../testing/extreme-values'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { createMimCell } from './mim'
import { ROLLOUT, type LayerSpec, type LayerState } from './recurrent-cell'

/** Layer 2: the first MIM block, which makes the difference stream from its input. */
const spec = (layerNorm: boolean, index = 1): LayerSpec => ({
  index,
  inChannels: 2,
  hiddenChannels: 2,
  kernelSize: 3,
  heightPatches: 3,
  widthPatches: 4,
  layerNorm,
})
const STATE: [number, number, number, number] = [2, 3, 4, 2]

describe('MIM block on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('reads no difference at its first step, then H^1_t − H^1_{t−1}, and hands N up', () => {
    const params = createParamStore(createRng(2))
    const cell = createMimCell(
      spec(false),
      params.builder.scoped('stlstm_layer.1.'),
      params.builder,
    )
    tf.tidy(() => {
      // Peepholes away from their zero start, so every path of both modules weighs in.
      for (const e of params.entries().filter((e) => e.layout === 'layerNorm')) {
        e.variable.assign(tf.randomUniform(e.variable.shape, -1, 1, 'float32', 9))
      }
      const m = tf.randomUniform(STATE, -1, 1, 'float32', 1) as tf.Tensor4D
      const x0 = tf.randomUniform(STATE, -1, 1, 'float32', 2) as tf.Tensor4D
      const first = cell.step(x0, cell.zeroState(2), m, null, ROLLOUT)
      // All its states at zero and a zero difference: MIM-N stays at rest (no biases).
      expect(tf.max(tf.abs(first.upward!)).dataSync()[0]).toBe(0)
      // The same input again is no change: N stays 0; a new one moves it.
      const still = cell.step(x0, first.state, m, null, ROLLOUT)
      expect(tf.max(tf.abs(still.upward!)).dataSync()[0]).toBe(0)
      const x1 = tf.randomUniform(STATE, -1, 1, 'float32', 3) as tf.Tensor4D
      const moved = cell.step(x1, first.state, m, null, ROLLOUT)
      expect(tf.max(tf.abs(moved.upward!)).dataSync()[0]).toBeGreaterThan(1e-3)
    })
    params.dispose()
  })

  it('above layer 2 reads what the layer below hands up, and refuses to run without it', () => {
    const params = createParamStore(createRng(2))
    const cell = createMimCell(
      spec(false, 2),
      params.builder.scoped('stlstm_layer.2.'),
      params.builder,
    )
    tf.tidy(() => {
      const m = tf.zeros(STATE) as tf.Tensor4D
      expect(() => cell.step(m, cell.zeroState(2), m, null, ROLLOUT)).toThrow('nothing handed up')
    })
    expect(params.entries().map((e) => e.name)).toContain(
      'stlstm_layer_diff.1.conv_x_concat.0.weight',
    )
    params.dispose()
  })
})

/** Every output of one block step and the gradients of their weighted sum, at ±10⁴. */
function stepAtExtremes(layerNorm: boolean): Float32Array[] {
  const params = createParamStore(createRng(4))
  const cell = createMimCell(
    spec(layerNorm),
    params.builder.scoped('stlstm_layer.1.'),
    params.builder,
  )
  const result = tf.tidy(() => {
    const keys = ['h', 'c', 's', 'n', 'q', 'xPrev'] as const
    const inputs = [0, 1, 2, 3, 4, 5, 6, 7].map((seed) => extremeTensor(STATE, seed))
    const r = [0, 1, 2, 3, 4, 5, 6].map((k) => tf.randomUniform(STATE, -1, 1, 'float32', 20 + k))
    const outputs = (...t: tf.Tensor[]) => {
      const [x, m, ...state] = t as tf.Tensor4D[]
      const prev: LayerState = {
        ...(Object.fromEntries(keys.map((key, j) => [key, state[j]!])) as LayerState),
        started: tf.ones([1, 1, 1, 1]) as tf.Tensor4D,
      }
      const out = cell.step(x!, prev, m!, null, ROLLOUT)
      return [...keys.slice(0, 5).map((key) => out.state[key]!), out.zigzag!, out.upward!]
    }
    const loss = (...t: tf.Tensor[]) =>
      tf.addN(outputs(...t).map((o, k) => tf.sum(tf.mul(o, r[k]!)))) as tf.Scalar
    return [...outputs(...inputs), ...tf.grads(loss)(inputs)].map(
      (t) => t.dataSync() as Float32Array,
    )
  })
  params.dispose()
  return result
}

describe('MIM block at extreme values', () => {
  for (const layerNorm of [false, true]) {
    it(`stays finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu (layer norm ${layerNorm ? 'on' : 'off'})`, () =>
      expectFiniteAndAgreeing(() => stepAtExtremes(layerNorm)))
  }
})
