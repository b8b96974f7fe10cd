import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import {
  LSTM_OUTPUT,
  ST_LSTM_MEMORIES,
  lstmOutput,
  lstmOutputComposite,
  stLstmMemories,
  stLstmMemoriesComposite,
  type StLstmGateInputs,
} from './st-lstm-pointwise'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null

const FORGET_BIAS = 1
const SHAPE = [2, 3, 4, 5] as const
const withChannels = (c: number) =>
  [SHAPE[0], SHAPE[1], SHAPE[2], c] as [number, number, number, number]

type Used = 'all' | 'c and m'

/**
 * Both ops chained as the cell chains them (oConv and cellConv stand in for the convolutions
 * of [C, M]), and the gradients of a random projection with respect to every input.
 */
function forwardAndGrads(fused: boolean, used: Used) {
  const memories = fused ? stLstmMemories : stLstmMemoriesComposite
  const output = fused ? lstmOutput : lstmOutputComposite
  return tf.tidy(() => {
    // Wide enough to reach the flat ends of σ and tanh.
    const u = (channels: number, seed: number) =>
      tf.randomUniform(withChannels(channels), -5, 5, 'float32', seed) as tf.Tensor4D
    const C = SHAPE[3]
    const xs = [u(7 * C, 1), u(4 * C, 2), u(3 * C, 3), u(C, 4), u(C, 5), u(C, 6), u(C, 7)]
    const r = [8, 9, 10].map((seed) => tf.randomUniform(withChannels(C), -1, 1, 'float32', seed))
    const f = (...t: tf.Tensor[]) => {
      const [xGates, hGates, mGates, cPrev, mPrev, oConv, cellConv] = t as tf.Tensor4D[]
      const inputs: StLstmGateInputs = {
        xGates: xGates!,
        hGates: hGates!,
        mGates: mGates!,
        cPrev: cPrev!,
        mPrev: mPrev!,
      }
      const { c, m, oPartial } = memories(inputs, FORGET_BIAS)
      const h = output(oPartial, oConv!, cellConv!)
      const viaMemories = tf.add(tf.sum(tf.mul(c, r[0]!)), tf.sum(tf.mul(m, r[1]!)))
      return used === 'all' ? tf.add(viaMemories, tf.sum(tf.mul(h, r[2]!))) : viaMemories
    }
    const value = f(...xs)
    // Without h, oConv and cellConv do not reach the loss (and oPartial gets a zero gradient).
    const differentiated = used === 'all' ? xs : xs.slice(0, 5)
    const rest = xs.slice(differentiated.length)
    const grads = tf.grads((...t: tf.Tensor[]) => f(...t, ...rest))(differentiated)
    return [value, ...grads].map((t) => Array.from(t.dataSync()))
  })
}

describe('ST-LSTM pointwise ops', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('run as tensor ops on a backend without the fused kernels', async () => {
    await initBackend('cpu')
    expect(tf.getKernel(ST_LSTM_MEMORIES, 'cpu')).toBeUndefined()
    expect(forwardAndGrads(true, 'all')).toEqual(forwardAndGrads(false, 'all'))
  })

  for (const used of ['all', 'c and m'] as const) {
    it.skipIf(missing !== null)(
      `fused on onednn: values and gradients match the tensor ops on cpu (${used} used)`,
      async () => {
        await initBackend('cpu')
        const reference = forwardAndGrads(false, used)
        await initBackend('onednn')
        expect(tf.getKernel(ST_LSTM_MEMORIES, 'wasm')).toBeDefined()
        expect(tf.getKernel(LSTM_OUTPUT, 'wasm')).toBeDefined()
        const before = tf.memory().numTensors
        const fused = forwardAndGrads(true, used)
        expect(tf.memory().numTensors).toBe(before)
        const names = [
          'value',
          'dxGates',
          'dhGates',
          'dmGates',
          'dcPrev',
          'dmPrev',
          'doConv',
          'dcellConv',
        ]
        expect(fused.length).toBe(reference.length)
        for (const [i, name] of names.slice(0, fused.length).entries()) {
          const scale = Math.max(1, ...reference[i]!.map(Math.abs))
          const worst = Math.max(...fused[i]!.map((v, j) => Math.abs(v - reference[i]![j]!)))
          expect(worst / scale, name).toBeLessThan(1e-5)
        }
      },
    )
  }

  it.skipIf(missing !== null)('refuses gates that do not match the cell state', async () => {
    await initBackend('onednn')
    const t = (c: number) => tf.zeros(withChannels(c)) as tf.Tensor4D
    const inputs = { xGates: t(35), hGates: t(20), mGates: t(10), cPrev: t(5), mPrev: t(5) }
    expect(() => stLstmMemories(inputs, FORGET_BIAS)).toThrow(
      /onednn TmuStLstmMemories: mGates \[2,3,4,10\] do not match the state \[2,3,4,5\] \(expected \[2,3,4,15\]\)/,
    )
    tf.dispose(Object.values(inputs))
  })
})
