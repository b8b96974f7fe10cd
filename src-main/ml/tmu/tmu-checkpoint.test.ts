import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { readCheckpoint } from '../checkpoint/checkpoint-read'
import { fromPytorchLayout, toPytorchLayout } from '../checkpoint/pytorch-interchange'
import type { TensorMap } from '../checkpoint/tensors'
import { writeCheckpoint } from '../checkpoint/checkpoint-write'
import { createNetwork } from '../network'
import { createRng } from '../random'
import { samplingEta } from '../scheduled-sampling'
import { createTrainer } from '../training'
import { initFromSource } from './finetune'
import { inspectClips } from './introspection'
import { createSourceFromCheckpoint, loadSource, type TmuSource } from './sources'
import { createTmuCellFactory, createTmuNetwork, tmuModelKind } from './tmu-network'
import { createTmuTrainer } from './tmu-trainer'
import { requireRecurrentNetwork } from '../forecast-network'

const base = { hidden: [4, 4], kernelSize: 3, patchSize: 2, imageHeight: 8, imageWidth: 8 }
const sourceModel = ModelConfig.parse(base)
const model = ModelConfig.parse({ ...base, tmu: { sources: 2 } })
const train = TrainConfig.parse({
  inputFrames: 3,
  outputFrames: 3,
  batchSize: 2,
  learningRate: 1e-2,
  etaStart: 0.5,
  etaDecay: 0.05,
})

function randomClip(seed: number): tf.Tensor5D {
  const rng = createRng(seed)
  return tf.tensor5d(
    Float32Array.from({ length: 2 * 6 * 8 * 8 }, () => rng.next()),
    [2, 6, 8, 8, 1],
  )
}

async function tensorMap(named: tf.NamedTensorMap): Promise<TensorMap> {
  const out: TensorMap = {}
  for (const [name, t] of Object.entries(named)) {
    out[name] = { dtype: 'F32', shape: t.shape, data: (await t.data()) as Float32Array }
  }
  return out
}

function namedTensors(map: TensorMap): tf.NamedTensorMap {
  return Object.fromEntries(
    Object.entries(map).map(([name, t]) => [name, tf.tensor(t.data, [...t.shape], 'float32')]),
  )
}

const state = (modelKind: string, config: ModelConfig, iteration: number) => ({
  formatVersion: 1 as const,
  modelKind,
  iteration,
  eta: samplingEta(train, iteration),
  rng: { algorithm: 'mulberry32', state: 1 },
  dataCursor: null,
  config: { model: config, train },
  backend: 'cpu',
})

describe('TMU checkpoints and inference', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('loads sources from checkpoints, saves the target, and predicts without the sources', async () => {
    const before = tf.memory().numTensors
    const runs = mkdtempSync(join(tmpdir(), 'tmu-ckpt-'))
    // Two source runs on disk, as a pretraining job leaves them.
    const sources: TmuSource[] = []
    for (const seed of [1, 2]) {
      const net = createNetwork(sourceModel, { seed })
      const weights = net.params.getWeights()
      const dir = writeCheckpoint(join(runs, `digits-${seed}`), {
        weights: await tensorMap(weights),
        optimizer: {},
        state: state('convlstm', sourceModel, 10),
      })
      tf.dispose(Object.values(weights))
      net.dispose()
      // One from the checkpoint folder, one from the run's newest checkpoint.
      sources.push(
        seed === 1
          ? createSourceFromCheckpoint('digits-1', readCheckpoint(dir))
          : loadSource('digits-2', join(runs, 'digits-2')),
      )
    }

    const tmu = createTmuTrainer(model, train, sources)
    const clip = randomClip(5)
    await tmu.step(clip)
    const weights = tmu.trainer.network.params.getWeights()
    const adam = await tmu.trainer.exportOptimizerWeights()
    const dir = writeCheckpoint(join(runs, 'target'), {
      weights: await tensorMap(weights),
      optimizer: await tensorMap(Object.fromEntries(adam.map((w) => [w.name, w.tensor]))),
      state: state(tmuModelKind('convlstm'), model, tmu.trainer.iteration),
    })
    tf.dispose([...Object.values(weights), ...adam.map((w) => w.tensor)])
    const expected = tmu.trainer.predict(clip, 3)
    const withSources = await inspectClips(requireRecurrentNetwork(tmu.trainer.network), clip, {
      inputFrames: 3,
      sources,
    })
    const shapes = Object.fromEntries(
      tmu.trainer.network.params.entries().map((e) => [e.name, e.variable.shape]),
    )
    tmu.dispose()
    sources.forEach((s) => s.network.dispose())

    // Inference: the saved model alone, no source loaded.
    const saved = readCheckpoint(dir, { modelKind: tmuModelKind('convlstm'), weightShapes: shapes })
    const savedModel = saved.state.config.model
    const evaluator = createTrainer(savedModel, saved.state.config.train, {
      cellFactory: createTmuCellFactory(savedModel),
    })
    const loaded = namedTensors(saved.weights)
    evaluator.network.params.setWeights(loaded)
    tf.dispose(Object.values(loaded))
    const predicted = evaluator.predict(clip, 3)
    expect(predicted.arraySync()).toEqual(expected.arraySync())

    const withoutSources = await inspectClips(requireRecurrentNetwork(evaluator.network), clip, {
      inputFrames: 3,
    })
    expect(withoutSources).toHaveLength(2)
    expect(withoutSources.map((c) => c.gateMean)).toEqual(withSources.map((c) => c.gateMean))
    expect(withoutSources[0]!.distillMse).toBeNull()
    expect(withSources[1]!.distillMse![0]).toHaveLength(2)
    tf.dispose([clip, expected, predicted])
    evaluator.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('saves and loads a target transferring M, in PyTorch layout too, and no other target', async () => {
    const before = tf.memory().numTensors
    const runs = mkdtempSync(join(tmpdir(), 'tmu-ckpt-m-'))
    const predrnn = ModelConfig.parse({ ...base, cell: 'predrnn' })
    const target = ModelConfig.parse({
      ...base,
      cell: 'predrnn',
      tmu: { sources: 2, transferM: true },
    })
    const sources: TmuSource[] = [1, 2].map((seed) => ({
      name: `st-${seed}`,
      network: createNetwork(predrnn, { seed, trainable: false }),
    }))
    const tmu = createTmuTrainer(target, train, sources)
    const clip = randomClip(6)
    await tmu.step(clip)
    const weights = tmu.trainer.network.params.getWeights()
    const saved = await tensorMap(weights)
    const dir = writeCheckpoint(join(runs, 'target'), {
      weights: saved,
      optimizer: {},
      state: state(tmuModelKind('predrnn'), target, tmu.trainer.iteration),
    })
    tf.dispose(Object.values(weights))
    const expected = tmu.trainer.predict(clip, 3)
    const shapes = Object.fromEntries(
      tmu.trainer.network.params.entries().map((e) => [e.name, e.variable.shape]),
    )
    tmu.dispose()
    sources.forEach((s) => s.network.dispose())

    // PyTorch's layout: the M distillers as 1×1 convolutions [out, in, 1, 1], the gates
    // 2·M·4 = 16 wide over 4 patch + 4 hidden channels, and back.
    const pytorch = toPytorchLayout(saved)
    expect(pytorch['cell_list.0.distiller_m2.0.weight']?.shape).toEqual([4, 4, 1, 1])
    expect(pytorch['cell_list.0.distiller_m2.1.weight']?.shape).toEqual([4, 4, 4])
    expect(pytorch['cell_list.0.transfer.0.weight']?.shape).toEqual([16, 8, 3, 3])
    expect(fromPytorchLayout(pytorch)).toEqual(saved)

    const loaded = readCheckpoint(dir, { modelKind: tmuModelKind('predrnn'), weightShapes: shapes })
    const evaluator = createTrainer(loaded.state.config.model, loaded.state.config.train, {
      cellFactory: createTmuCellFactory(loaded.state.config.model),
    })
    const named = namedTensors(loaded.weights)
    evaluator.network.params.setWeights(named)
    tf.dispose(Object.values(named))
    const predicted = evaluator.predict(clip, 3)
    expect(predicted.arraySync()).toEqual(expected.arraySync())
    evaluator.dispose()

    // A target without transferM has narrower transfer gates and no M distillers.
    const plain = createTmuNetwork(ModelConfig.parse({ ...target, tmu: { sources: 2 } }), {
      seed: 0,
    })
    const plainShapes = Object.fromEntries(
      plain.params.entries().map((e) => [e.name, e.variable.shape]),
    )
    plain.dispose()
    expect(() =>
      readCheckpoint(dir, { modelKind: tmuModelKind('predrnn'), weightShapes: plainShapes }),
    ).toThrow(/transfer\.0\.weight|distiller_m/)
    tf.dispose([clip, expected, predicted])
    expect(tf.memory().numTensors).toBe(before)
  })

  it('initialises a finetuning baseline from a source, refusing other shapes', () => {
    const before = tf.memory().numTensors
    const source = createNetwork(sourceModel, { seed: 3 })
    const target = createNetwork(sourceModel, { seed: 4 })
    const weights = source.params.getWeights()
    initFromSource(target.params, weights)
    for (const { name, variable } of target.params.entries()) {
      expect(variable.dataSync()).toEqual(source.params.get(name).dataSync())
    }
    const wider = createNetwork({ ...sourceModel, hidden: [4, 8] }, { seed: 5 })
    expect(() => initFromSource(wider.params, weights)).toThrow(
      'finetune: cell_list.1.conv.0.weight is [3,3,8,16] in the source, [3,3,12,32] in the target',
    )
    const tmuTarget = createNetwork(model, { seed: 6, cellFactory: createTmuCellFactory(model) })
    expect(() => initFromSource(tmuTarget.params, weights)).toThrow(
      /the source has no cell_list\.0\.distiller1/,
    )
    tf.dispose(Object.values(weights))
    for (const net of [source, target, wider, tmuTarget]) net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
