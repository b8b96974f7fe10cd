import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CellKind, isRecurrentCell } from '../../domain/model'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import type { LayerState } from '../cells/recurrent-cell'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createNetwork, stepNetwork, zeroNetworkState, type NetworkState } from '../network'
import { distilledKey, gateKey } from './tmu-cell'
import { createTmuNetwork } from './tmu-network'
import {
  expectClose,
  expectGradientsAgree,
  tinyStack,
  tinyTmuGradientsByName,
  tinyTmuLossProblem,
} from '../../testing/tiny-tmu'

/**
 * The TMU on the backbones other than ConvLSTM (tmu-backbone-cell.ts, docs/method.md §3.11):
 * the layer's own cell with the transfer beside it. Tiny stacks of two layers on a 2×3 grid.
 */

const BACKBONES = CellKind.options.filter((cell) => cell !== 'convlstm' && isRecurrentCell(cell))

describe('TMU on another backbone', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const cell of BACKBONES) {
    it(`${cell}: H reads the cell's own C̃, and the next step reads the carried C`, () => {
      const before = tf.memory().numTensors
      const target = createTmuNetwork(tinyStack(cell, { sources: 2 }), { seed: 5 })
      const plain = createNetwork(tinyStack(cell), { seed: 6 })
      // The plain network takes the target's backbone weights, which keep their names.
      for (const { name, variable } of plain.params.entries()) {
        variable.assign(target.params.get(name))
      }
      const [x1, x2] = [1, 2].map((seed) => tf.randomUniform([2, 2, 3, 4], 0, 1, 'float32', seed))
      tf.tidy(() => {
        const t1 = stepNetwork(target, x1 as tf.Tensor4D, zeroNetworkState(target, 2))
        const p1 = stepNetwork(plain, x1 as tf.Tensor4D, zeroNetworkState(plain, 2))
        const tmuLayer = t1.state.layers[0] as LayerState
        expectClose(tmuLayer.h, p1.state.layers[0]!.h, 'H of step 1')
        expectClose(tmuLayer.cTilde!, p1.state.layers[0]!.c, 'C̃ is the cell’s own C')
        expectClose(t1.guess, p1.guess, 'the guess of step 1')

        // C_t = C̃ + Σ_m [T_m⊙D_m + (1−T_m)⊙C̃], from the state's own D_m and T_m.
        const cTilde = tmuLayer.cTilde!
        const mixed = [0, 1].map((m) => {
          const t = tmuLayer[gateKey(m)]!
          return tf.add(tf.mul(t, tmuLayer[distilledKey(m)]!), tf.mul(tf.sub(1, t), cTilde))
        })
        expectClose(tmuLayer.c, tf.addN([cTilde, ...mixed]), 'the carried C')
        expect(tf.max(tf.abs(tf.sub(tmuLayer.c, cTilde))).dataSync()[0]).toBeGreaterThan(1e-3)

        // The plain cell given the carried C steps exactly as the TMU layer does.
        const handed: NetworkState = {
          ...p1.state,
          layers: [{ ...p1.state.layers[0]!, c: tmuLayer.c }, ...p1.state.layers.slice(1)],
        }
        const t2 = stepNetwork(target, x2 as tf.Tensor4D, t1.state)
        const p2 = stepNetwork(plain, x2 as tf.Tensor4D, handed)
        expectClose(t2.state.layers[0]!.h, p2.state.layers[0]!.h, 'H of step 2')
        expectClose(t2.guess, p2.guess, 'the guess of step 2')
        if (t2.state.zigzag) expectClose(t2.state.zigzag, p2.state.zigzag!, 'the zig-zag M')
      })
      tf.dispose([x1!, x2!])
      target.dispose()
      plain.dispose()
      expect(tf.memory().numTensors).toBe(before)
    })

    it(`${cell}: end-to-end gradients of every weight, the transfer's too, match finite differences`, () => {
      const before = tf.memory().numTensors
      const { net, loss, dispose } = tinyTmuLossProblem(cell, { sources: 2 })
      const variables = net.params.entries().map((e) => e.variable)
      const samples = sampleGradients(loss, variables, { randomEntries: 1, epsilon: 2e-3 })
      expect(samples.some((s) => s.variable.includes('transfer') && s.analytic !== 0)).toBe(true)
      expect(worstRelativeError(samples, 5e-2)).toBeLessThan(1e-2)
      dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})

const oneDnnMissing = (() => {
  const loaded = loadOneDnnAddon()
  return 'error' in loaded ? loaded.error : null
})()

describe.each([
  { backend: 'wasm' as const, skip: null },
  { backend: 'onednn' as const, skip: oneDnnMissing },
])('TMU on another backbone, on the $backend backend', ({ backend, skip }) => {
  afterAll(async () => {
    await tf.setBackend('cpu')
  })

  it.skipIf(skip !== null)(
    `gradients match the cpu backend's for ${BACKBONES.join(', ')}${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      for (const cell of BACKBONES) {
        await tf.setBackend('cpu')
        const reference = tinyTmuGradientsByName(cell, { sources: 2 })
        await initBackend(backend)
        const other = tinyTmuGradientsByName(cell, { sources: 2 })
        expectGradientsAgree(reference, other, cell)
      }
    },
  )
})
