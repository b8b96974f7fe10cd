import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { E3dOptions } from '../../domain/model'
import {
  expectFiniteAndAgreeing,
  extremeTensor,
  EXTREME_BACKENDS,
} from '../../testing/extreme-values'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createParamStore } from '../params'
import { createRng } from '../random'
import { createE3dCell } from './e3d-lstm'
import { ROLLOUT, type LayerSpec, type LayerState } from './recurrent-cell'

const WINDOW = 2
const spec: LayerSpec = {
  index: 0,
  inChannels: 3,
  hiddenChannels: 2,
  kernelSize: 3,
  heightPatches: 3,
  widthPatches: 4,
  layerNorm: false,
}
const FRAME: [number, number, number, number] = [2, 3, 4, 3]
const WINDOWED: [number, number, number, number] = [2, 3, 4, WINDOW * 2]

describe('E3D-LSTM cell on cpu', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('keeps the last d frames at layer 1 and every C it started from, the zero C_0 first', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(2))
    const cell = createE3dCell(spec, params.builder.scoped('cell_list.0.'), E3dOptions.parse({}))
    const frames = [1, 2, 3].map((k) => tf.fill(FRAME, k) as tf.Tensor4D)
    const m = tf.zeros(WINDOWED) as tf.Tensor4D
    let state: LayerState = cell.zeroState(2)
    const memories: number[][] = [Array.from(state.c.dataSync())]
    for (const x of frames) {
      const out = cell.step(x, state, m, null, ROLLOUT)
      tf.dispose([...Object.values(state), out.zigzag ?? []])
      state = out.state
      memories.push(Array.from(state.c.dataSync()))
    }
    const slots = (window: tf.Tensor4D, n: number) =>
      tf.split(window, n, -1).map((slot) => {
        const values = Array.from(slot.dataSync())
        slot.dispose()
        return values
      })
    // Three frames through a window of two: the first has slid out.
    expect(slots(state.xWindow!, WINDOW).map((v) => v[0])).toEqual([2, 3])
    expect(state.c.shape).toEqual(WINDOWED)
    expect(slots(state.cHistory!, memories.length)).toEqual(memories)
    tf.dispose([...frames, m, ...Object.values(state)])
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('E3D-LSTM cell gradients on cpu', () => {
  it('match finite differences without layer norm, where the gates stay one slot wide', () => {
    const before = tf.memory().numTensors
    const params = createParamStore(createRng(4))
    const cell = createE3dCell(spec, params.builder.scoped('cell_list.0.'), E3dOptions.parse({}))
    const frames = [0, 1, 2].map((k) => tf.randomUniform(FRAME, 0, 1, 'float32', k) as tf.Tensor4D)
    const m = tf.randomUniform(WINDOWED, -1, 1, 'float32', 9) as tf.Tensor4D
    // Three steps, so the recall reads a history of C_0 and two memories of its own.
    const loss = () =>
      tf.tidy(() => {
        let state = cell.zeroState(2)
        let zigzag = m
        const terms: tf.Scalar[] = []
        for (const x of frames) {
          const out = cell.step(x, state, zigzag, null, ROLLOUT)
          state = out.state
          zigzag = out.zigzag ?? zigzag
          terms.push(tf.sum(tf.sin(tf.add(state.h, tf.mul(state.c, 0.5)))))
        }
        return tf.addN(terms) as tf.Scalar
      })
    const variables = params.entries().map((e) => e.variable)
    const samples = sampleGradients(loss, variables, { randomEntries: 2, epsilon: 2e-3 })
    expect(worstRelativeError(samples, 5e-2)).toBeLessThan(1e-2)
    tf.dispose([...frames, m])
    params.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

/** The cell's outputs and the gradients of a random projection of them, at ±10⁴. */
function stepAtExtremes(): Float32Array[] {
  const params = createParamStore(createRng(5))
  const cell = createE3dCell(spec, params.builder.scoped('cell_list.0.'), E3dOptions.parse({}))
  const history: [number, number, number, number] = [2, 3, 4, 3 * WINDOW * 2]
  const shapes = [FRAME, WINDOWED, WINDOWED, WINDOWED, history, [2, 3, 4, WINDOW * 3]] as const
  const result = tf.tidy(() => {
    const inputs = shapes.map((shape, k) => extremeTensor([...shape], k))
    const r = [0, 1, 2, 3].map((k) => tf.randomUniform(WINDOWED, -1, 1, 'float32', k))
    const outputs = (...t: tf.Tensor[]) => {
      const [x, h, c, m, cHistory, xWindow] = t as tf.Tensor4D[]
      const prev: LayerState = { h: h!, c: c!, cHistory: cHistory!, xWindow: xWindow! }
      const out = cell.step(x!, prev, m!, null, ROLLOUT)
      return [out.state.h, out.state.c, out.zigzag!]
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

describe('E3D-LSTM at extreme values', () => {
  it(`cell: stays finite on cpu and ${EXTREME_BACKENDS.join(', ')}, agreeing with cpu`, () =>
    expectFiniteAndAgreeing(stepAtExtremes))
})
