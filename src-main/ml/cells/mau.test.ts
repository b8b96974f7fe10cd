import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  expectFiniteAndAgreeing,
  extremeTensor,
  EXTREME_BACKENDS,
} from '../../testing/extreme-values'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { createMauCell } from './mau'
import { createMauCodec } from './mau-codec'
import { ROLLOUT, type LayerSpec, type LayerState } from './recurrent-cell'

const spec: LayerSpec = {
  index: 0,
  inChannels: 2,
  hiddenChannels: 2,
  kernelSize: 3,
  heightPatches: 3,
  widthPatches: 4,
  layerNorm: false,
}
const TAU = 3
const STATE: [number, number, number, number] = [2, 3, 4, 2]
const WINDOW: [number, number, number, number] = [2, 3, 4, 2 * TAU]

describe('MAU cell on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('keeps the last τ S inputs and T outputs, oldest first, and its T as the memory c', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(2))
    const cell = createMauCell(spec, params.builder.scoped('cell_list.0.'), TAU)
    const inputs = [1, 2, 3, 4].map((k) => tf.fill(STATE, k) as tf.Tensor4D)
    let state: LayerState = cell.zeroState(2)
    const memories: number[][] = []
    for (const s of inputs) {
      const next = cell.step(s, state, null, null, ROLLOUT).state
      tf.dispose(Object.values(state))
      state = next
      memories.push(Array.from(state.c.dataSync()))
    }
    const slots = (window: tf.Tensor4D) =>
      tf.split(window, TAU, -1).map((slot) => {
        const values = Array.from(slot.dataSync())
        slot.dispose()
        return values
      })
    // Four steps through three slots: the first input has slid out.
    expect(slots(state.sWindow!).map((v) => v[0])).toEqual([2, 3, 4])
    expect(slots(state.tWindow!)).toEqual(memories.slice(1))
    tf.dispose([...inputs, ...Object.values(state)])
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

/** The cell's outputs and the gradients of a random projection of them, at ±10⁴. */
function stepAtExtremes(): Float32Array[] {
  const params = createParamStore(createRng(5))
  const cell = createMauCell(spec, params.builder.scoped('cell_list.0.'), TAU)
  const result = tf.tidy(() => {
    const inputs = [
      extremeTensor(STATE, 0),
      extremeTensor(STATE, 1),
      extremeTensor(WINDOW, 2),
      extremeTensor(WINDOW, 3),
    ]
    const r = [0, 1, 2, 3].map((k) => tf.randomUniform(k < 2 ? STATE : WINDOW, -1, 1, 'float32', k))
    const outputs = (...t: tf.Tensor[]) => {
      const [s, c, tWindow, sWindow] = t as tf.Tensor4D[]
      const prev: LayerState = { h: tf.zerosLike(c!), c: c!, tWindow: tWindow!, sWindow: sWindow! }
      const { state } = cell.step(s!, prev, null, null, ROLLOUT)
      return [state.h, state.c, state.tWindow!, state.sWindow!]
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

/** The encoder and decoder (two halvings) and the gradients through them, at ±10⁴. */
function codecAtExtremes(): Float32Array[] {
  const params = createParamStore(createRng(6))
  const codec = createMauCodec(
    { frameChannels: 4, bottomChannels: 3, topChannels: 3, srSize: 4 },
    params.builder,
  )
  const result = tf.tidy(() => {
    const frame = extremeTensor([2, 8, 8, 4], 4)
    const top = extremeTensor([2, 2, 2, 3], 5)
    const encoded = codec.encode(frame)
    const decoded = codec.decode(top)
    const [dFrame, dTop] = tf.grads((f: tf.Tensor, t: tf.Tensor) =>
      tf.add(
        tf.sum(tf.sin(codec.encode(f as tf.Tensor4D))),
        tf.sum(tf.sin(codec.decode(t as tf.Tensor4D))),
      ),
    )([frame, top])
    return [encoded, decoded, dFrame!, dTop!].map((t) => t.dataSync() as Float32Array)
  })
  params.dispose()
  return result
}

describe('MAU at extreme values', () => {
  it(`cell: stays finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu`, () =>
    expectFiniteAndAgreeing(stepAtExtremes))
  it(`encoder and decoder: stay finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu`, () =>
    expectFiniteAndAgreeing(codecAtExtremes))
})
