import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { createNetwork } from '../network'
import { createRng } from '../random'
import { createTmuTrainer } from './tmu-trainer'

// 8×8×1 frames, patch 2 → a 4×4×4 grid; hidden 4, so the TMU gate conv is (4+2)·4 = 24 wide.
const base = { hidden: [4, 4], kernelSize: 3, patchSize: 2, imageHeight: 8, imageWidth: 8 }
const train = TrainConfig.parse({
  inputFrames: 3,
  outputFrames: 3,
  batchSize: 2,
  learningRate: 1e-2,
  seed: 7,
})
const target = (initFromSource: number | null) =>
  ModelConfig.parse({ ...base, tmu: { sources: 2, initFromSource } })

const values = (t: tf.Tensor) => Array.from(t.dataSync())
/** The last axis split at `at`: [the first `at` channels, the rest], flattened. */
function splitLast(t: tf.Tensor, at: number): [number[], number[]] {
  const parts = tf.split(t, [at, t.shape.at(-1)! - at], -1)
  const out = parts.map(values) as [number[], number[]]
  tf.dispose(parts)
  return out
}

describe('a TMU target initialised from a source', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it("starts from the source's weights where they correspond, at random elsewhere", async () => {
    const sources = [11, 12].map((seed, i) => ({
      name: `FD-${i + 1}`,
      network: createNetwork(ModelConfig.parse(base), { seed, trainable: false }),
    }))
    const from = createTmuTrainer(target(2), train, sources)
    const random = createTmuTrainer(target(null), train, sources)
    const weights = (t: typeof from) => t.trainer.network.params
    const source = sources[1]!.network.params
    try {
      // The backbone layer 2 and the head: whole, from FD-2 (not FD-1, not the random draw).
      for (const name of [
        'cell_list.1.conv.0.weight',
        'cell_list.1.conv.0.bias',
        'conv_last.weight',
      ]) {
        expect(values(weights(from).get(name))).toEqual(values(source.get(name)))
        expect(values(weights(from).get(name))).not.toEqual(values(weights(random).get(name)))
      }
      // The TMU layer's gate conv: i, f, o, g from the source, s_1, s_2 as the random target's.
      for (const name of ['cell_list.0.conv.0.weight', 'cell_list.0.conv.0.bias']) {
        const [gates, transfer] = splitLast(weights(from).get(name), 16)
        expect(gates).toEqual(values(source.get(name)))
        expect(transfer).toEqual(splitLast(weights(random).get(name), 16)[1])
      }
      // What the source has no counterpart of keeps the random draw: distillers, the gate LN.
      for (const name of ['cell_list.0.distiller1.0.weight', 'cell_list.0.conv.1.weight']) {
        expect(values(weights(from).get(name))).toEqual(values(weights(random).get(name)))
      }
      // And it trains: one real step from there.
      const rng = createRng(3)
      const clip = tf.tensor5d(
        Float32Array.from({ length: 2 * 6 * 8 * 8 }, () => rng.next()),
        [2, 6, 8, 8, 1],
      )
      const { loss } = await from.step(clip)
      clip.dispose()
      expect(Number.isFinite(loss)).toBe(true)
    } finally {
      from.dispose()
      random.dispose()
      sources.forEach((s) => s.network.dispose())
    }
  })

  it('starts a PredRNN target from a PredRNN source, whole, and refuses a PredRNN++ one', () => {
    const backbone = (cell: string) => ({ ...base, cell })
    const source = (cell: string, seed: number) => ({
      name: cell,
      network: createNetwork(ModelConfig.parse(backbone(cell)), { seed, trainable: false }),
    })
    const model = ModelConfig.parse({
      ...backbone('predrnn'),
      tmu: { sources: 2, initFromSource: 1 },
    })
    const sources = [source('predrnn', 1), source('predrnnpp', 2)]
    const from = createTmuTrainer(model, train, sources)
    try {
      // Layer 1's ST-LSTM runs unchanged beside the transfer: its weights come over whole.
      for (const name of ['cell_list.0.conv_x.0.weight', 'cell_list.0.conv_last.weight']) {
        expect(values(from.trainer.network.params.get(name))).toEqual(
          values(sources[0]!.network.params.get(name)),
        )
      }
      const second = ModelConfig.parse({ ...model, tmu: { ...model.tmu, initFromSource: 2 } })
      expect(() => createTmuTrainer(second, train, sources)).toThrow(
        'init from source: the source is a PredRNN++ (Causal LSTM + GHU) network, the target a PredRNN (ST-LSTM); their weights do not correspond',
      )
    } finally {
      from.dispose()
      sources.forEach((s) => s.network.dispose())
    }
  })

  it('refuses a source number the run does not have', () => {
    const sources = [
      {
        name: 'FD-1',
        network: createNetwork(ModelConfig.parse(base), { seed: 1, trainable: false }),
      },
    ]
    const model = ModelConfig.parse({ ...base, tmu: { sources: 1, initFromSource: 2 } })
    try {
      expect(() => createTmuTrainer(model, train, sources)).toThrow(
        'tmu.initFromSource 2: the run has 1 sources',
      )
    } finally {
      sources[0]!.network.dispose()
    }
  })
})
