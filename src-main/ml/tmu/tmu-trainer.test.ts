import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { createNetwork } from '../network'
import { createRng } from '../random'
import { createTrainer } from '../training'
import type { TmuSource } from './sources'
import { everyLayer } from './tmu-layers'
import { createTmuCellFactory } from './tmu-network'
import { createTmuTrainer } from './tmu-trainer'

// 8×8×1 frames, patch 2 → a 4×4×4 grid; 3 → 3 frames (5 recurrent steps).
const base = {
  hidden: [4, 4],
  kernelSize: 3,
  patchSize: 2,
  imageHeight: 8,
  imageWidth: 8,
}
const sourceModel = ModelConfig.parse(base)
const targetModel = (tmu: object) => ModelConfig.parse({ ...base, tmu })
const train = TrainConfig.parse({
  inputFrames: 3,
  outputFrames: 3,
  batchSize: 2,
  learningRate: 1e-2,
  reverseInput: true,
  etaStart: 0.5,
  etaDecay: 0.05,
})

function randomClip(seed: number): tf.Tensor5D {
  const rng = createRng(seed)
  const pixels = Float32Array.from({ length: 2 * 6 * 8 * 8 }, () => rng.next())
  return tf.tensor5d(pixels, [2, 6, 8, 8, 1])
}

function sourcesFrom(seeds: readonly number[], config = sourceModel): TmuSource[] {
  return seeds.map((seed) => ({
    name: `source-${seed}`,
    network: createNetwork(config, { seed, trainable: false }),
  }))
}

/** Two iterations (each a forward and a reversed optimizer step); the weights after them. */
async function trainedWeights(
  step: (clip: tf.Tensor5D) => Promise<unknown>,
  params: { getWeights(): tf.NamedTensorMap },
): Promise<Record<string, number[]>> {
  for (const seed of [1, 2]) {
    const clip = randomClip(seed)
    await step(clip)
    clip.dispose()
  }
  const weights = params.getWeights()
  const out = Object.fromEntries(
    Object.entries(weights).map(([name, t]) => [name, Array.from(t.dataSync())]),
  )
  tf.dispose(Object.values(weights))
  return out
}

describe('createTmuTrainer', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it("lets the sources' memories into the gradient with λ > 0, not at all with λ = 0", async () => {
    const before = tf.memory().numTensors
    const model = targetModel({ sources: 2 })
    const run = async (distillWeight: number, seeds: number[]) => {
      const sources = sourcesFrom(seeds)
      const tmu = createTmuTrainer(model, { ...train, distillWeight }, sources)
      const weights = await trainedWeights(tmu.step, tmu.trainer.network.params)
      tmu.dispose()
      sources.forEach((s) => s.network.dispose())
      return weights
    }
    const releaseA = await run(0, [11, 12])
    expect(await run(0, [13, 14])).toEqual(releaseA)
    // λ = 0 is the release: a plain trainer of the same target, with no sources at all.
    const plain = createTrainer(
      model,
      { ...train, distillWeight: 0 },
      {
        cellFactory: createTmuCellFactory(model),
      },
    )
    expect(await trainedWeights((clip) => plain.step(clip), plain.network.params)).toEqual(releaseA)
    plain.dispose()

    const distilledA = await run(0.1, [11, 12])
    const distilledB = await run(0.1, [13, 14])
    expect(distilledA).not.toEqual(releaseA)
    expect(distilledA['cell_list.0.distiller1.0.weight']).not.toEqual(
      distilledB['cell_list.0.distiller1.0.weight'],
    )
    // Layers above the TMU see the sources only through C: their gradients change too.
    expect(distilledA['conv_last.weight']).not.toEqual(distilledB['conv_last.weight'])
    expect(tf.memory().numTensors).toBe(before)
  })

  it('makes the same updates with the batch split into micro-batches (each records its own memory bank)', async () => {
    const before = tf.memory().numTensors
    const model = targetModel({ sources: 2 })
    const run = async (microBatchSize?: number) => {
      const sources = sourcesFrom([11, 12])
      const tmu = createTmuTrainer(
        model,
        { ...train, distillWeight: 0.1 },
        sources,
        microBatchSize ? { microBatchSize } : {},
      )
      const weights = await trainedWeights(tmu.step, tmu.trainer.network.params)
      tmu.dispose()
      sources.forEach((s) => s.network.dispose())
      return weights
    }
    const whole = await run()
    const split = await run(1)
    for (const [name, values] of Object.entries(whole)) {
      const worst = Math.max(...values.map((v, i) => Math.abs(v - split[name]![i]!)))
      expect(worst, name).toBeLessThan(1e-5)
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it('refuses sources that do not fit, naming them, before building anything', () => {
    const before = tf.memory().numTensors
    const sources = [
      ...sourcesFrom([31]),
      ...sourcesFrom([32], ModelConfig.parse({ ...base, hidden: [8, 4] })),
    ]
    expect(() => createTmuTrainer(targetModel({ sources: 2 }), train, sources)).toThrow(
      'the sources cannot feed this TMU target: source "source-32" has hidden [8,4] at layer 1, the target\'s TMU layer 1 has 4 channels',
    )
    sources.forEach((s) => s.network.dispose())
    expect(tf.memory().numTensors).toBe(before)
  })

  const variants = [
    { sources: 1, layers: [1], gate: 'sigmoid', sourceInput: 'mask', rescaleMemory: false },
    {
      sources: 2,
      layers: everyLayer(2),
      gate: 'softmax',
      sourceInput: 'truth',
      rescaleMemory: true,
    },
    { sources: 3, layers: [2], gate: 'sigmoid', sourceInput: 'mask', rescaleMemory: true },
    {
      sources: 3,
      layers: everyLayer(2),
      gate: 'softmax',
      sourceInput: 'mask',
      rescaleMemory: false,
    },
  ] as const
  for (const { sourceInput, ...tmu } of variants) {
    it(`trains M = ${tmu.sources}, layers [${tmu.layers}], ${tmu.gate} gates, sources read the ${sourceInput}, without leaking`, async () => {
      const before = tf.memory().numTensors
      const sources = sourcesFrom([21, 22, 23].slice(0, tmu.sources))
      const trainer = createTmuTrainer(
        targetModel({ ...tmu, layers: [...tmu.layers] }),
        { ...train, sourceInput },
        sources,
      )
      const clip = randomClip(3)
      const { loss, introspection } = await trainer.step(clip)
      expect(Number.isFinite(loss)).toBe(true)
      expect(introspection.layers).toEqual([...tmu.layers])
      expect(introspection.gateMean).toHaveLength(tmu.layers.length)
      for (const byM of introspection.gateMean) {
        expect(byM).toHaveLength(tmu.sources)
        for (const byT of byM) {
          expect(byT).toHaveLength(5)
          for (const g of byT) expect(g > 0 && g < 1).toBe(true)
        }
        if (tmu.gate === 'softmax') {
          for (let t = 0; t < 5; t++) {
            expect(byM.reduce((s, byT) => s + byT[t]!, 0)).toBeCloseTo(1, 5)
          }
        }
      }
      expect(introspection.distillMse.flat()).toHaveLength(tmu.layers.length * tmu.sources)
      expect(introspection.distillMse.flat().every((e) => e > 0 && Number.isFinite(e))).toBe(true)
      expect(introspection.distillLoss).toBeGreaterThan(0)
      const predicted = trainer.trainer.predict(clip, 3)
      expect(predicted.shape).toEqual([2, 3, 8, 8, 1])
      tf.dispose([clip, predicted])
      trainer.dispose()
      sources.forEach((s) => s.network.dispose())
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})
