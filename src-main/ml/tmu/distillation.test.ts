import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import type { LayerState } from '../cells/recurrent-cell'
import { runSequence } from '../forward'
import { createNetwork, stepNetwork, zeroNetworkState } from '../network'
import { distillationTerms, gateMeansLMTB } from './distillation'
import { recordSourceMemories, type SourceMemories } from './memory-bank'

const shape: [number, number, number, number] = [2, 3, 3, 2]

describe('distillationTerms', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('is Σ_t Σ_m mean((D_m − C^{(m)}_t)²) / (B·T), T the clip frames, summed over layers', () => {
    const before = tf.memory().numTensors
    tf.tidy(() => {
      // Two TMU layers (0 and 2, layer 1 plain), two sources, three steps of a 4-frame clip.
      const steps = 3
      const value = (layer: number, m: number, t: number) => 0.1 * (layer + 1) + 0.2 * m + 0.05 * t
      const states: LayerState[][] = Array.from({ length: steps }, (_, t) =>
        [0, 1, 2].map((l) => ({
          h: tf.zeros(shape),
          c: tf.zeros(shape),
          distilled0: tf.fill(shape, value(l, 0, t)),
          distilled1: tf.fill(shape, value(l, 1, t)),
          gate0: tf.fill(shape, 0.25),
          gate1: tf.fill(shape, 0.5 + 0.1 * t),
        })),
      )
      // Source m's memory is 0, so each squared error is value².
      const bank: SourceMemories = {
        byLayer: [0, 2].map(() => Array.from({ length: steps }, () => tf.zeros(shape))),
        mByLayer: null,
        dispose: () => {},
      }
      const { loss, mseLMB } = distillationTerms(states, [bank, bank], [0, 2], 4)
      let expected = 0
      for (const l of [0, 2]) {
        for (let t = 0; t < steps; t++) for (const m of [0, 1]) expected += value(l, m, t) ** 2
      }
      expect(loss.dataSync()[0]).toBeCloseTo(expected / (2 * 4), 6)
      const mse = (l: number, m: number) =>
        [0, 1, 2].reduce((s, t) => s + value(l, m, t) ** 2, 0) / steps
      const got = mseLMB.arraySync()
      expect(got[1]![1]![0]).toBeCloseTo(mse(2, 1), 6)
      expect(got[0]![0]![1]).toBeCloseTo(mse(0, 0), 6)

      const gates = gateMeansLMTB(states, [0, 2], 2).arraySync()
      gates[1]![1]!.forEach((byB, t) => expect(byB[0]).toBeCloseTo(0.5 + 0.1 * t, 6))
    })
    expect(tf.memory().numTensors).toBe(before)
  })

  it('adds the M distillers’ terms Σ_t Σ_m mean((D′_m − M^{(m)}_t)²) / (B·T) on the same scale', () => {
    const before = tf.memory().numTensors
    tf.tidy(() => {
      // One TMU layer, two sources, two steps of a 3-frame clip; C terms 0, M terms known.
      const steps = 2
      const value = (m: number, t: number) => 0.3 + 0.2 * m - 0.1 * t
      const states: LayerState[][] = Array.from({ length: steps }, (_, t) => [
        {
          h: tf.zeros(shape),
          c: tf.zeros(shape),
          distilled0: tf.fill(shape, 0.5),
          distilled1: tf.fill(shape, 0.5),
          distilledM0: tf.fill(shape, value(0, t)),
          distilledM1: tf.fill(shape, value(1, t)),
        },
      ])
      const constant = (v: number) => [
        Array.from({ length: steps }, () => tf.fill(shape, v) as tf.Tensor4D),
      ]
      // C memories equal the C distillers' 0.5; the M memories are 0.
      const bank: SourceMemories = {
        byLayer: constant(0.5),
        mByLayer: constant(0),
        dispose: () => {},
      }
      const { loss, mseLMB } = distillationTerms(states, [bank, bank], [0], 3)
      let expected = 0
      for (let t = 0; t < steps; t++) for (const m of [0, 1]) expected += value(m, t) ** 2
      expect(loss.dataSync()[0]).toBeCloseTo(expected / (2 * 3), 6)
      // The per-source errors shown stay C's.
      expect(Math.max(...mseLMB.dataSync())).toBe(0)
    })
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('recordSourceMemories', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it("keeps only the TMU layers' C, equal to a full recorded rollout, and nothing else", () => {
    const config = ModelConfig.parse({
      hidden: [3, 4, 3],
      kernelSize: 3,
      patchSize: 2,
      imageHeight: 8,
      imageWidth: 8,
    })
    for (const cell of ['convlstm', 'predrnn'] as const) {
      const source = createNetwork(
        { ...config, cell, hidden: [3, 3, 3] },
        { seed: 1, trainable: false },
      )
      const patched = tf.randomUniform([2, 6, 4, 4, 4], 0, 1, 'float32', 2) as tf.Tensor5D
      const mask = tf.tensor2d([
        [1, 0],
        [0, 1],
      ])
      const before = tf.memory().numTensors
      const bank = recordSourceMemories(source, patched, {
        inputFrames: 3,
        truthMaskBP: mask,
        layers: [0, 2],
      })
      // 2 layers × 5 steps of C, nothing more.
      expect(tf.memory().numTensors).toBe(before + 10)
      tf.tidy(() => {
        const { statesByStep } = runSequence(source, patched, {
          inputFrames: 3,
          truthMaskBP: mask,
          recordStates: true,
        })
        statesByStep.forEach((layers, t) => {
          expect(bank.byLayer[0]![t]!.arraySync()).toEqual(layers[0]!.c.arraySync())
          expect(bank.byLayer[1]![t]!.arraySync()).toEqual(layers[2]!.c.arraySync())
        })
      })
      bank.dispose()
      expect(tf.memory().numTensors).toBe(before)
      tf.dispose([patched, mask])
      source.dispose()
    }
  })

  it('with recordM, keeps the M each recorded layer hands on, and nothing else', () => {
    for (const cell of ['predrnn', 'predrnnpp', 'mim'] as const) {
      const source = createNetwork(
        ModelConfig.parse({
          cell,
          hidden: [3, 3, 3],
          kernelSize: 3,
          patchSize: 2,
          imageHeight: 8,
          imageWidth: 8,
        }),
        { seed: 1, trainable: false },
      )
      const patched = tf.randomUniform([2, 6, 4, 4, 4], 0, 1, 'float32', 2) as tf.Tensor5D
      const before = tf.memory().numTensors
      // Tin = 6: every one of the 5 steps reads the truth, so a plain loop of steps replays it.
      const options = { inputFrames: 6, truthMaskBP: null, layers: [0, 2], recordM: true }
      const bank = recordSourceMemories(source, patched, options)
      // 2 layers × 5 steps of C and of M.
      expect(tf.memory().numTensors, cell).toBe(before + 20)
      tf.tidy(() => {
        let state = zeroNetworkState(source, 2)
        for (let t = 0; t < 5; t++) {
          const frame = patched.slice([0, t], [-1, 1]).squeeze([1]) as tf.Tensor4D
          const next = stepNetwork(source, frame, state)
          expect(bank.mByLayer![0]![t]!.arraySync(), cell).toEqual(
            next.zigzagByLayer[0]!.arraySync(),
          )
          expect(bank.mByLayer![1]![t]!.arraySync(), cell).toEqual(next.state.zigzag!.arraySync())
          expect(bank.byLayer[1]![t]!.arraySync(), cell).toEqual(
            next.state.layers[2]!.c.arraySync(),
          )
          state = next.state
        }
      })
      bank.dispose()
      expect(tf.memory().numTensors).toBe(before)
      patched.dispose()
      source.dispose()
    }
  })
})
