import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  expectFiniteAndAgreeing,
  extremeTensor,
  EXTREME_BACKENDS,
} from '../../testing/extreme-values'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { ROLLOUT, TRAINING, type LayerSpec, type LayerState } from './recurrent-cell'
import { stLstmStep, createStLstmWeights } from './st-lstm'
import { createStLstmV2Cell, decouplingLoss, DELTA_C, DELTA_M } from './st-lstm-v2'

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
const identity = () => tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2])
/** One step's recorded state holding just the two increments. */
const recorded = (dc: tf.Tensor4D, dm: tf.Tensor4D): LayerState => ({
  h: dc,
  c: dc,
  [DELTA_C]: dc,
  [DELTA_M]: dm,
})

describe('PredRNN-V2 cell on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('steps as the ST-LSTM does, and keeps ΔC = C_t − σ(f)⊙C_{t−1} with C_{t−1} = 0', () => {
    // Both cells draw the same weights from the same seed: V2 changes the loss, not the step.
    const [a, b] = [0, 1].map(() => createParamStore(createRng(5)))
    const v1 = createStLstmWeights(spec(true), a!.builder)
    const v2 = createStLstmV2Cell(spec(true), b!.builder)
    tf.tidy(() => {
      const x = tf.randomUniform([2, 3, 4, 3], -1, 1, 'float32', 1) as tf.Tensor4D
      const h = tf.randomUniform(STATE, -1, 1, 'float32', 2) as tf.Tensor4D
      const m = tf.randomUniform(STATE, -1, 1, 'float32', 3) as tf.Tensor4D
      const zeroC = tf.zeros(STATE) as tf.Tensor4D
      const plain = stLstmStep(v1, x, { h, c: zeroC }, m)
      const out = v2.step(x, { h, c: zeroC }, m, null, TRAINING)
      const gap = (p: tf.Tensor, q: tf.Tensor) => tf.max(tf.abs(tf.sub(p, q))).dataSync()[0]!
      expect(gap(out.state.h, plain.state.h)).toBe(0)
      expect(gap(out.zigzag!, plain.m)).toBe(0)
      // From a zero C the whole new memory is the increment.
      expect(gap(out.state[DELTA_C]!, plain.state.c)).toBeLessThan(1e-6)
      expect(tf.max(tf.abs(out.state[DELTA_M]!)).dataSync()[0]).toBeGreaterThan(1e-3)
    })
    a!.dispose()
    b!.dispose()
  })

  it('keeps the increments only in training: a rollout steps the same and skips them', () => {
    const store = createParamStore(createRng(5))
    const cell = createStLstmV2Cell(spec(false), store.builder)
    tf.tidy(() => {
      const x = tf.randomUniform([2, 3, 4, 3], -1, 1, 'float32', 1) as tf.Tensor4D
      const m = tf.randomUniform(STATE, -1, 1, 'float32', 3) as tf.Tensor4D
      const trained = cell.step(x, cell.zeroState(2), m, null, TRAINING)
      const rolled = cell.step(x, cell.zeroState(2), m, null, ROLLOUT)
      expect(Object.keys(rolled.state).sort()).toEqual(['c', 'h'])
      expect(Array.from(rolled.state.h.dataSync())).toEqual(Array.from(trained.state.h.dataSync()))
      expect(Array.from(rolled.zigzag!.dataSync())).toEqual(Array.from(trained.zigzag!.dataSync()))
      expect(() => decouplingLoss(identity(), [[rolled.state]])).toThrow(
        'decoupling loss: no layer kept memory increments (a rollout not in training)',
      )
    })
    store.dispose()
  })

  it('scores the same or opposite increments 1, and orthogonal ones 0', () => {
    tf.tidy(() => {
      const dc = tf.randomUniform(STATE, -1, 1, 'float32', 4) as tf.Tensor4D
      const same = decouplingLoss(identity(), [[recorded(dc, tf.mul(dc, 3) as tf.Tensor4D)]])
      const opposite = decouplingLoss(identity(), [[recorded(dc, tf.neg(dc) as tf.Tensor4D)]])
      expect(same.dataSync()[0]).toBeCloseTo(1, 5)
      expect(opposite.dataSync()[0]).toBeCloseTo(1, 5)
      // One channel, lit on disjoint halves of the grid: orthogonal over space.
      const left = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1])
      const right = tf.tensor4d([0, 0, 1, 1], [1, 2, 2, 1])
      const one = identity().slice([0, 0, 0, 0], [1, 1, 1, 1]) as tf.Tensor4D
      expect(decouplingLoss(one, [[recorded(left, right)]]).dataSync()[0]).toBe(0)
    })
  })

  it('has finite gradients where an increment is all zero (a shut input gate)', () => {
    // The √ of a zero norm has an infinite derivative: unguarded, this gives 0·∞ = NaN.
    tf.tidy(() => {
      const dc = tf.variable(tf.zeros(STATE)) as tf.Variable<tf.Rank.R4>
      const dm = tf.variable(
        tf.randomUniform(STATE, -1, 1, 'float32', 6),
      ) as tf.Variable<tf.Rank.R4>
      const adapter = tf.variable(identity()) as tf.Variable<tf.Rank.R4>
      const { value, grads } = tf.variableGrads(
        () => decouplingLoss(adapter, [[recorded(dc, dm)]]),
        [dc, dm, adapter],
      )
      expect(value.dataSync()[0]).toBe(0)
      for (const g of Object.values(grads)) expect(g.dataSync().every(Number.isFinite)).toBe(true)
      tf.dispose([dc, dm, adapter])
    })
  })
})

/** Outputs (H, C, M, ΔC, ΔM, L_decouple) and their gradients at ±10⁴, on the active backend. */
function stepAtExtremes(layerNorm: boolean): Float32Array[] {
  const params = createParamStore(createRng(4))
  const cell = createStLstmV2Cell(spec(layerNorm), params.builder)
  const adapter = tf.tensor4d([0.7, -0.2, 0.4, 1.1], [1, 1, 2, 2])
  const result = tf.tidy(() => {
    const inputs = [
      extremeTensor([2, 3, 4, 3], 0),
      ...[1, 2, 3].map((s) => extremeTensor(STATE, s)),
    ]
    const r = [0, 1, 2, 3, 4].map((k) => tf.randomUniform(STATE, -1, 1, 'float32', 20 + k))
    const outputs = (x: tf.Tensor, h: tf.Tensor, c: tf.Tensor, m: tf.Tensor) => {
      const out = cell.step(
        x as tf.Tensor4D,
        { h: h as tf.Tensor4D, c: c as tf.Tensor4D },
        m as tf.Tensor4D,
        null,
        TRAINING,
      )
      const s = out.state
      return { tensors: [s.h, s.c, out.zigzag!, s[DELTA_C]!, s[DELTA_M]!], state: s }
    }
    const loss = (...x: tf.Tensor[]) => {
      const { tensors, state } = outputs(x[0]!, x[1]!, x[2]!, x[3]!)
      const weighted = tensors.map((o, k) => tf.sum(tf.mul(o, r[k]!)))
      return tf.addN([...weighted, decouplingLoss(adapter, [[state]])]) as tf.Scalar
    }
    const { tensors, state } = outputs(inputs[0]!, inputs[1]!, inputs[2]!, inputs[3]!)
    return [...tensors, decouplingLoss(adapter, [[state]]), ...tf.grads(loss)(inputs)].map(
      (t) => t.dataSync() as Float32Array,
    )
  })
  adapter.dispose()
  params.dispose()
  return result
}

describe('PredRNN-V2 cell at extreme values', () => {
  for (const layerNorm of [false, true]) {
    it(`stays finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu (layer norm ${layerNorm ? 'on' : 'off'})`, () =>
      expectFiniteAndAgreeing(() => stepAtExtremes(layerNorm)))
  }
})
