import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CellKind, hasSpatiotemporalMemory, ModelConfig, TrainConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import { highwayStep } from '../cells/gradient-highway'
import { ROLLOUT, type LayerState } from '../cells/recurrent-cell'
import { predictionLoss, runSequence } from '../forward'
import { sampleGradients, worstRelativeError } from '../gradient-check'
import { createNetwork, stepNetwork, zeroNetworkState } from '../network'
import { patchFrames } from '../patching'
import { distillationTerms } from './distillation'
import { recordSourceMemories } from './memory-bank'
import type { TmuSource } from './sources'
import { M_KEYS } from './tmu-cell'
import { createTmuNetwork } from './tmu-network'
import { createTmuTrainer } from './tmu-trainer'
import {
  expectClose,
  expectGradientsAgree,
  tinyStack,
  tinyTmuGradientsByName,
  tinyTmuLossProblem,
} from '../../testing/tiny-tmu'

/**
 * `tmu.transferM` (tmu-backbone-cell.ts, docs/method.md §3.11): the TMU layer also distils
 * each source's spatiotemporal memory M and hands the transferred M_t on, in place of the
 * cell's own M̃_t. Tiny stacks of two layers on a 2×3 grid for the cell and gradient checks;
 * the tiny study's 32×32 frames for training and the large-memory case.
 */

const CELLS_WITH_M = CellKind.options.filter(hasSpatiotemporalMemory)

const oneDnnMissing = (() => {
  const loaded = loadOneDnnAddon()
  return 'error' in loaded ? loaded.error : null
})()

describe('TMU transferring M', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const cell of CELLS_WITH_M) {
    for (const options of [
      { gate: 'sigmoid', rescaleMemory: false },
      { gate: 'softmax', rescaleMemory: true },
    ] as const) {
      it(`${cell}, ${options.gate}${options.rescaleMemory ? ', rescaled' : ''}: the M handed on is the transfer of the cell's own M̃, and the layer above reads it`, () => {
        const before = tf.memory().numTensors
        const tmu = { sources: 2, transferM: true, ...options }
        const target = createTmuNetwork(tinyStack(cell, tmu), { seed: 5 })
        const plain = createNetwork(tinyStack(cell), { seed: 6 })
        for (const { name, variable } of plain.params.entries()) {
          variable.assign(target.params.get(name))
        }
        const x = tf.randomUniform([2, 2, 3, 4], 0, 1, 'float32', 1) as tf.Tensor4D
        tf.tidy(() => {
          const zero = zeroNetworkState(plain, 2)
          const step = stepNetwork(target, x, zeroNetworkState(target, 2))
          const layer = step.state.layers[0] as LayerState
          // Layer 1 of the plain stack, stepped alone: its H, C and M are the TMU layer's own.
          const own = plain.cells[0]!.step(x, zero.layers[0]!, zero.zigzag, null, ROLLOUT)
          expectClose(layer.h, own.state.h, 'H reads the cell’s own memories')
          expectClose(layer.mTilde!, own.zigzag!, 'M̃ is the cell’s own M')

          // M_t = M̃ + Σ_m [T′_m⊙D′_m + (1−T′_m)⊙M̃] (/3 rescaled), from the state's D′_m, T′_m.
          const mTilde = layer.mTilde!
          const mixed = [0, 1].map((m) => {
            const t = layer[M_KEYS.gate(m)]!
            return tf.add(tf.mul(t, layer[M_KEYS.distilled(m)]!), tf.mul(tf.sub(1, t), mTilde))
          })
          const sum = tf.addN([mTilde, ...mixed])
          const carried = options.rescaleMemory ? tf.div(sum, 3) : sum
          expectClose(step.zigzagByLayer[0]!, carried, 'the M handed on')
          expectClose(layer.m!, carried, 'the M the state keeps')
          if (options.gate === 'softmax') {
            const total = tf.add(layer[M_KEYS.gate(0)]!, layer[M_KEYS.gate(1)]!)
            expectClose(total, tf.onesLike(total), 'softmax M gates sum to 1')
          }
          expect(tf.max(tf.abs(tf.sub(carried, mTilde))).dataSync()[0]).toBeGreaterThan(1e-3)

          // Layer 2 (plain in both) given the transferred M steps exactly as the target's does.
          const input = plain.highway
            ? highwayStep(plain.highway, own.state.h, zero.highway!)
            : own.state.h
          const above = plain.cells[1]!.step(
            input,
            zero.layers[1]!,
            carried as tf.Tensor4D,
            own.upward ?? null,
            ROLLOUT,
          )
          expectClose(step.state.layers[1]!.h, above.state.h, 'H of layer 2')
          expectClose(step.state.zigzag!, above.zigzag!, 'the top M')
        })
        x.dispose()
        target.dispose()
        plain.dispose()
        expect(tf.memory().numTensors).toBe(before)
      })
    }

    it(`${cell}: end-to-end gradients of every weight, the M distillers' too, match finite differences`, () => {
      const before = tf.memory().numTensors
      const { net, loss, dispose } = tinyTmuLossProblem(cell, { sources: 2, transferM: true })
      const variables = net.params.entries().map((e) => e.variable)
      const samples = sampleGradients(loss, variables, { randomEntries: 1, epsilon: 2e-3 })
      expect(samples.some((s) => s.variable.includes('distiller_m') && s.analytic !== 0)).toBe(true)
      expect(worstRelativeError(samples, 5e-2)).toBeLessThan(1e-2)
      dispose()
      expect(tf.memory().numTensors).toBe(before)
    })
  }

  it('refuses transferM on a ConvLSTM or MAU target, in words', () => {
    for (const cell of ['convlstm', 'mau'] as const) {
      expect(() =>
        createTrainerFor(
          ModelConfig.parse({ ...tinyStack(cell), tmu: { sources: 1, transferM: true } }),
        ),
      ).toThrow('which has no spatiotemporal memory M to transfer')
    }
  })
})

describe.each([
  { backend: 'wasm' as const, skip: null },
  { backend: 'onednn' as const, skip: oneDnnMissing },
])('TMU transferring M, on the $backend backend', ({ backend, skip }) => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it.skipIf(skip !== null)(
    `gradients match the cpu backend's for ${CELLS_WITH_M.join(', ')}${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      for (const cell of CELLS_WITH_M) {
        await initBackend('cpu')
        const reference = tinyTmuGradientsByName(cell, { sources: 2, transferM: true })
        await initBackend(backend)
        const other = tinyTmuGradientsByName(cell, { sources: 2, transferM: true })
        expectGradientsAgree(reference, other, cell)
      }
    },
  )

  it.skipIf(skip !== null)(
    "PredRNN target, 5 → 5: loss and gradients match cpu's while the M handed on passes 1e3",
    async () => {
      await initBackend('cpu')
      const reference = await largeMemoryForwardAndGradients()
      expect(reference.largestM).toBeGreaterThan(1e3)
      await initBackend(backend)
      const before = tf.memory().numTensors
      const result = await largeMemoryForwardAndGradients()
      expect(tf.memory().numTensors).toBe(before)
      expect(Number.isFinite(result.loss)).toBe(true)
      expect(Math.abs(result.loss - reference.loss) / reference.loss).toBeLessThan(1e-4)
      expect(Math.abs(result.largestM - reference.largestM)).toBeLessThan(1e-4 * reference.largestM)
      for (const [name, values] of Object.entries(reference.grads)) {
        const got = result.grads[name]!
        expect(got.every(Number.isFinite), `${name} is finite`).toBe(true)
        const scale = Math.max(...values.map(Math.abs), 1e-6)
        const worst = Math.max(...values.map((v, i) => Math.abs(v - got[i]!)))
        expect(worst / scale, name).toBeLessThan(1e-3)
      }
    },
  )
})

describe('PredRNN target transferring M on the default backend', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('trains from two PredRNN sources: the loss stays finite and falls', async () => {
    // `auto`, as a user's run gets it (onednn wherever its addon is built).
    const report = await initBackend('auto')
    if (oneDnnMissing === null) expect(report.name).toBe('onednn')
    const zoo = studySources()
    const train = TrainConfig.parse({
      inputFrames: 5,
      outputFrames: 5,
      batchSize: 4,
      learningRate: 3e-3,
      distillWeight: 0.1,
      etaDecay: 0.05,
    })
    const trainer = createTmuTrainer(study({ sources: 2, transferM: true }), train, zoo)
    const clips = digitClips(4, 7, 10)
    const losses: number[] = []
    for (let iteration = 0; iteration < 6; iteration++) {
      losses.push((await trainer.step(clips)).loss)
    }
    trainer.dispose()
    zoo.forEach((s) => s.network.dispose())
    clips.dispose()
    expect(losses.every(Number.isFinite), `losses ${losses.join(', ')}`).toBe(true)
    expect(losses.at(-1)!, `losses ${losses.join(', ')}`).toBeLessThan(losses[0]!)
  })
})

/** A PredRNN target at the tiny study's shapes: 32×32 frames in 4×4 patches, 2×8. */
const study = (tmu?: object) =>
  ModelConfig.parse({
    cell: 'predrnn',
    hidden: [8, 8],
    kernelSize: 3,
    patchSize: 4,
    imageHeight: 32,
    imageWidth: 32,
    ...(tmu ? { tmu } : {}),
  })

function studySources(): TmuSource[] {
  return [11, 12].map((seed) => ({
    name: `source-${seed}`,
    network: createNetwork(study(), { seed, trainable: false }),
  }))
}

function createTrainerFor(model: ModelConfig) {
  const train = TrainConfig.parse({ inputFrames: 2, outputFrames: 2, batchSize: 2 })
  return createTmuTrainer(model, train, [])
}

/**
 * L_pred + λ·L_dist (C and M terms) of a PredRNN target transferring M from two PredRNN
 * sources, on a 5 → 5 clip: unrescaled, the carried C and the M handed on grow about (1+M)×
 * a step (docs/method.md §3.8), so within 9 steps the kernels see an M past 1e3 (1.5·10³ from
 * this draw). Read back with `data()`.
 */
async function largeMemoryForwardAndGradients() {
  const frames = 10
  const inputFrames = 5
  const target = createTmuNetwork(study({ sources: 2, transferM: true }), { seed: 3 })
  const zoo = studySources()
  const clip = digitClips(2, 5, frames)
  const patched = patchFrames(clip, 4)
  const banks = zoo.map((s) =>
    recordSourceMemories(s.network, patched, {
      inputFrames,
      truthMaskBP: null,
      layers: [0],
      recordM: true,
    }),
  )
  let maxima: tf.Scalar[] = []
  const objective = () =>
    tf.tidy(() => {
      const { guessesBTHWC, statesByStep } = runSequence(target, patched, {
        inputFrames,
        recordStates: true,
      })
      maxima = statesByStep.map((layers) => tf.keep(tf.max(tf.abs(layers[0]!.m!)) as tf.Scalar))
      const distill = distillationTerms(statesByStep, banks, [0], frames)
      return tf.add(predictionLoss(guessesBTHWC, patched), tf.mul(0.1, distill.loss)) as tf.Scalar
    })
  const entries = target.params.entries()
  const { value, grads } = tf.variableGrads(
    objective,
    entries.map((e) => e.variable),
  )
  const read = async (t: tf.Tensor) => Array.from(await t.data())
  const result = {
    loss: (await read(value))[0]!,
    largestM: Math.max(...(await Promise.all(maxima.map(read))).flat()),
    grads: Object.fromEntries(
      await Promise.all(
        entries.map(async (e) => [e.name, await read(grads[e.variable.name]!)] as const),
      ),
    ),
  }
  tf.dispose([value, ...Object.values(grads), ...maxima, clip, patched])
  banks.forEach((bank) => bank.dispose())
  zoo.forEach((s) => s.network.dispose())
  target.dispose()
  return result
}
