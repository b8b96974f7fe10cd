import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RUN_PRESETS } from '../../api/contract/presets'
import { ModelConfig, TrainConfig, type NonRecurrentCellKind } from '../../domain/model'
import { expectFiniteAndAgreeing, EXTREME_BACKENDS } from '../../testing/extreme-values'
import { initBackend } from '../backend'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { parameterShapes } from '../parameter-shapes'
import { createTrainer } from '../training'
import { forecastSimVp, simVpObjective } from './simvp-forecast'
import { createSimVpNetwork, updateRunningStatistics, type BatchMoments } from './simvp-network'

/**
 * 8×8 frames, Tin = 2: two ConvSC blocks (one stride 2), two translator blocks (8 → 6 → 8
 * channels; TAU's SE branch 2 and 1 wide).
 */
const tinyModel = (cell: NonRecurrentCellKind, channels = 1) =>
  ModelConfig.parse({
    cell,
    patchSize: 1,
    imageHeight: 8,
    imageWidth: 8,
    channels,
    simvp: {
      inputFrames: 2,
      spatialChannels: 4,
      translatorChannels: 6,
      spatialBlocks: 2,
      translatorBlocks: 2,
      mlpRatio: 2,
    },
  })
/** Tout = 3: DDR (TAU's, on) sees two frame differences. */
const tinyTrain = (cell: NonRecurrentCellKind) =>
  TrainConfig.parse({
    inputFrames: 2,
    outputFrames: 3,
    batchSize: 2,
    etaStart: 0,
    reverseInput: false,
    ddrWeight: cell === 'tau' ? 0.1 : 0,
  })

/**
 * Per model: its preset at OpenSTL's Moving MNIST sizes, the parameter count of their table,
 * and the weights the finite-difference check perturbs (TAU: its attention, all the rest is
 * SimVP's code, checked there).
 */
const CASES = [
  {
    cell: 'simvp',
    label: 'SimVP + gSTA',
    preset: 'simvp-openstl',
    millions: 46.8,
    checked: () => true,
  },
  {
    cell: 'tau',
    label: 'TAU',
    preset: 'tau-openstl',
    millions: 44.7,
    checked: (name: string) => name.includes('.attn.'),
  },
] as const

describe.each(CASES)('$label', ({ cell, preset, millions, checked }) => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it(`has OpenSTL's ${millions} M parameters at their Moving MNIST configuration`, () => {
    const model = ModelConfig.parse(RUN_PRESETS[preset].model)
    const net = createSimVpNetwork(model, { seed: 0, trainable: false })
    const weights = Object.entries(parameterShapes(model))
      .filter(([name]) => !/running_(mean|var)$/.test(name))
      .reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0)
    expect(net.params.countParams()).toBe(weights)
    expect(net.params.countParams() / 1e6).toBeCloseTo(millions, 1)
    net.dispose()
  })

  it('names and shapes its parameters as parameterShapes says, in order', () => {
    const net = createSimVpNetwork(tinyModel(cell), { seed: 0 })
    const real = net.params.entries().map((e) => [e.name, [...e.variable.shape]])
    expect(real).toEqual(Object.entries(parameterShapes(tinyModel(cell))))
    expect(real.map(([name]) => name)).toContain('hid.enc.0.block.norm1.running_var')
    net.dispose()
  })

  it('predicts Tout frames from Tin, a longer horizon by feeding its own output back', () => {
    const before = tf.memory().numTensors
    const net = createSimVpNetwork(tinyModel(cell), { seed: 1 })
    tf.tidy(() => {
      const context = tf.randomUniform([2, 2, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor5D
      const once = forecastSimVp(net, context, 2, { training: false })
      const longer = forecastSimVp(net, context, 5, { training: false })
      expect(longer.shape).toEqual([2, 5, 8, 8, 1])
      expect(longer.slice([0, 0], [-1, 2]).arraySync()).toEqual(once.arraySync())
      const again = forecastSimVp(net, once, 2, { training: false })
      expect(longer.slice([0, 2], [-1, 2]).arraySync()).toEqual(again.arraySync())
    })
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('trains BatchNorm on batch moments and folds them into its running estimates', () => {
    const before = tf.memory().numTensors
    const net = createSimVpNetwork(tinyModel(cell), { seed: 2 })
    const clip = tf.randomUniform([2, 5, 8, 8, 1], 0, 1, 'float32', 5) as tf.Tensor5D
    const moments: BatchMoments[] = []
    tf.tidy(() => {
      simVpObjective(net, tinyTrain(cell), clip, moments)
    })
    // Two passes (Tout = 3 > Tin = 2) through two blocks of two norms each.
    expect(moments).toHaveLength(8)
    const first = moments[0]!
    const expected = tf.tidy(() =>
      tf.add(tf.mul(first.layer.runningMean, 0.9), tf.mul(first.mean, 0.1)).arraySync(),
    )
    updateRunningStatistics(moments.slice(0, 1))
    expect(first.layer.runningMean.arraySync()).toEqual(expected)
    updateRunningStatistics(moments.slice(1))
    clip.dispose()
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('has the gradients finite differences give, on cpu', () => {
    const before = tf.memory().numTensors
    const { net, loss, clip } = gradientProblem(cell)
    const variables = net.params
      .entries()
      .filter((e) => e.role === 'weight' && checked(e.name))
      .map((e) => e.variable)
    const samples = sampleGradients(loss, variables, { randomEntries: 1, epsilon: 2e-3 })
    expect(worstRelativeError(samples, 5e-2)).toBeLessThan(1e-2)
    clip.dispose()
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('a training step lowers the loss of the clip it trained on', async () => {
    const trainer = createTrainer(tinyModel(cell), { ...tinyTrain(cell), learningRate: 1e-2 })
    const clip = tf.randomUniform([2, 5, 8, 8, 1], 0, 1, 'float32', 6) as tf.Tensor5D
    const first = await trainer.step(clip)
    let last = first
    for (let i = 0; i < 4; i++) last = await trainer.step(clip)
    expect(first.eta).toBe(0)
    expect(last.loss).toBeLessThan(first.loss)
    const predicted = trainer.predict(clip, 2, 3)
    expect(predicted.shape).toEqual([2, 3, 8, 8, 1])
    tf.dispose([predicted, clip])
    trainer.dispose()
  })

  it('refuses what only recurrent models have, in words', () => {
    const train = TrainConfig.parse({ inputFrames: 2, outputFrames: 2 })
    expect(() => createTrainer(tinyModel(cell), train)).toThrow(
      /scheduled sampling does not apply.*reverse input does not apply/,
    )
    const patched = { ...tinyModel(cell), patchSize: 2 }
    expect(() => createTrainer(patched, tinyTrain(cell))).toThrow('patchSize must be 1')
  })
})

/** Tiny SimVP or TAU, 3 channels, its training loss scaled to O(1) for float32 differences. */
function gradientProblem(cell: NonRecurrentCellKind) {
  const net = createSimVpNetwork(tinyModel(cell, 3), { seed: 3 })
  // Away from zero-initialised biases and unit norms, so every path weighs in.
  tf.tidy(() => {
    for (const e of net.params.entries().filter((e) => e.role === 'weight')) {
      if (e.variable.rank === 1) {
        const start = e.name.endsWith('weight') ? 1 : 0
        e.variable.assign(
          tf.add(start, tf.randomUniform(e.variable.shape, -0.3, 0.3, 'float32', 7)),
        )
      }
    }
  })
  const clip = tf.randomUniform([2, 5, 8, 8, 3], 0, 1, 'float32', 8) as tf.Tensor5D
  const loss = () =>
    tf.tidy(() => {
      const moments: BatchMoments[] = []
      const value = tf.mul(simVpObjective(net, tinyTrain(cell), clip, moments), 10) as tf.Scalar
      tf.dispose(moments.flatMap((m) => [m.mean, m.variance]))
      return value
    })
  return { net, loss, clip }
}

/** Every weight's gradient and the loss, as plain arrays (for comparing backends). */
function gradientsOf(problem: ReturnType<typeof gradientProblem>): Float32Array[] {
  const variables = problem.net.params
    .entries()
    .filter((e) => e.role === 'weight')
    .map((e) => e.variable)
  const { value, grads } = tf.variableGrads(problem.loss, variables)
  const out = [value.dataSync(), ...variables.map((v) => grads[v.name]!.dataSync())]
  tf.dispose([value, ...Object.values(grads)])
  return out.map((a) => Float32Array.from(a))
}

describe.each(
  EXTREME_BACKENDS.flatMap((backend) => CASES.map(({ cell, label }) => ({ backend, cell, label }))),
)('$label on the $backend backend', ({ backend, cell }) => {
  afterAll(async () => {
    await tf.setBackend('cpu')
  })

  it("computes the cpu backend's loss and gradients", async () => {
    await tf.setBackend('cpu')
    const cpuProblem = gradientProblem(cell)
    const reference = gradientsOf(cpuProblem)
    const weights = cpuProblem.net.params.getWeights()
    const cpuWeights = Object.fromEntries(
      Object.entries(weights).map(([name, t]) => [
        name,
        { values: t.dataSync().slice(), shape: t.shape },
      ]),
    )
    tf.dispose(Object.values(weights))
    cpuProblem.clip.dispose()
    cpuProblem.net.dispose()
    await initBackend(backend)
    const before = tf.memory().numTensors
    const problem = gradientProblem(cell)
    tf.tidy(() => {
      for (const e of problem.net.params.entries()) {
        const w = cpuWeights[e.name]!
        e.variable.assign(tf.tensor(w.values, w.shape))
      }
    })
    const got = gradientsOf(problem)
    reference.forEach((ref, k) => {
      const scale = Math.max(...Array.from(ref, Math.abs), 1e-6)
      const worst = Math.max(...Array.from(ref, (v, i) => Math.abs(v - got[k]![i]!)))
      expect(worst / scale, `output ${k}`).toBeLessThan(1e-3)
    })
    problem.clip.dispose()
    problem.net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe.each(CASES)('$label at ±1e4', ({ cell }) => {
  it('keeps its outputs and gradients finite on every backend, agreeing with cpu', async () => {
    await expectFiniteAndAgreeing(() => {
      const net = createSimVpNetwork(tinyModel(cell), { seed: 4 })
      const clip = tf.tidy(() =>
        tf.mul(tf.sub(tf.randomUniform([2, 5, 8, 8, 1], 0, 1, 'float32', 9), 0.5), 2e4),
      ) as tf.Tensor5D
      const variables = net.params
        .entries()
        .filter((e) => e.role === 'weight')
        .map((e) => e.variable)
      const out = tf.tidy(() => {
        const predicted = forecastSimVp(net, clip.slice([0, 0], [-1, 2]), 3, { training: false })
        return predicted.dataSync().slice()
      })
      const { value, grads } = tf.variableGrads(() => {
        const moments: BatchMoments[] = []
        const loss = simVpObjective(net, tinyTrain(cell), clip, moments)
        tf.dispose(moments.flatMap((m) => [m.mean, m.variance]))
        return loss
      }, variables)
      const result = [
        out,
        value.dataSync().slice(),
        ...variables.map((v) => grads[v.name]!.dataSync().slice()),
      ]
      tf.dispose([value, ...Object.values(grads), clip])
      net.dispose()
      return result.map((a) => Float32Array.from(a))
    })
  })
})
