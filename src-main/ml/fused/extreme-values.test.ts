import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import { convLstmGates, convLstmGatesComposite } from './conv-lstm-gates'
import { GROUP_NORM_EPSILON, groupNormSilu, groupNormSiluComposite } from './group-norm-silu'
import { layerNormComposite, layerNormalise } from './layer-norm'
import {
  lstmOutput,
  lstmOutputComposite,
  stLstmMemories,
  stLstmMemoriesComposite,
} from './st-lstm-pointwise'

/**
 * Every fused kernel against the tensor ops on `cpu` at the values training really produces.
 * The TMU's carried memory grows about (1+M)× per step (docs/method.md §3.8), so gate and memory
 * values in the thousands are normal a few steps into a fresh target; an exp that overflows
 * (σ below −89, tanh through exp(2x) above 44.5) or a kernel that assumes finite math turns
 * them into NaN. 4 channels run the kernels' scalar tail only, 16 and 64 their vector loops.
 */

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null

// Both sides of every threshold where an exp-based σ or tanh overflows, the flat ends far
// beyond them, and tiny values where 1 − 2/(e^{2x}+1) loses its digits.
const FINITE_EXTREMES = [
  -1e4, -1e3, -100, -89.5, -88, -45, -44.6, -20, -3, -1, -1e-3, -1e-7, 0, 1e-7, 1e-3, 1, 3, 20,
  44.6, 45, 88, 89.5, 100, 1e3, 1e4,
]
const NON_FINITE = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]
const CHANNELS = [4, 16, 64]
// Two samples (layer norm is per sample) of few positions: the values vary along channels,
// where the kernels vectorise.
const BATCH = 2
const POSITIONS = [2, 3] as const

type Values = 'finite' | 'non-finite'

/**
 * A tensor of `channels` channels (batch `batch`) whose entries cycle through the extremes
 * with a stride that shifts per input (`seed`), so every gate of every kernel meets every
 * value; with 'non-finite', every 11th entry is ±Inf or NaN.
 */
function extremeTensor(channels: number, seed: number, values: Values, batch = BATCH): tf.Tensor4D {
  const shape: [number, number, number, number] = [batch, ...POSITIONS, channels]
  const data = new Float32Array(shape.reduce((a, b) => a * b))
  for (let j = 0; j < data.length; j++) {
    data[j] = FINITE_EXTREMES[(j * 7 + seed * 5) % FINITE_EXTREMES.length]!
    if (values === 'non-finite' && (j + seed) % 11 === 0) {
      data[j] = NON_FINITE[(j + seed) % NON_FINITE.length]!
    }
  }
  return tf.tensor4d(data, shape)
}

const projection = (shape: number[], seed: number) =>
  tf.randomUniform(shape, -1, 1, 'float32', 100 + seed)

interface Result {
  readonly name: string
  readonly values: Float32Array
}

/** Outputs, then the gradients of Σ output⊙r (r random) with respect to every input. */
function outputsAndGradients(
  names: { outputs: string[]; inputs: string[] },
  f: (...inputs: tf.Tensor[]) => tf.Tensor[],
  inputs: tf.Tensor[],
): Result[] {
  return tf.tidy(() => {
    const outputs = f(...inputs)
    const r = outputs.map((o, k) => projection(o.shape, k))
    const loss = (...x: tf.Tensor[]) =>
      tf.addN(f(...x).map((o, k) => tf.sum(tf.mul(o, r[k]!)))) as tf.Scalar
    const grads = tf.grads(loss)(inputs)
    return [...outputs, ...grads].map((t, k) => ({
      name: [...names.outputs, ...names.inputs.map((n) => `d${n}`)][k]!,
      values: t.dataSync() as Float32Array,
    }))
  })
}

/**
 * Same non-finite entries as `cpu` (NaN where it has NaN, the same infinities), and finite
 * entries within 1e-5 of it relative to the largest finite magnitude in that tensor: a
 * gradient is a sum of products of values up to 1e4, so its rounding scales with them.
 */
function expectLikeCpu(actual: Result[], reference: Result[], label: string) {
  expect(actual.map((r) => r.name)).toEqual(reference.map((r) => r.name))
  for (const [k, ref] of reference.entries()) {
    const got = actual[k]!.values
    const what = `${label}: ${ref.name}`
    const finite = Array.from(ref.values).filter(Number.isFinite)
    const scale = Math.max(1, ...finite.map(Math.abs))
    let worst = 0
    for (let j = 0; j < ref.values.length; j++) {
      const r = ref.values[j]!
      const a = got[j]!
      if (Number.isNaN(r)) expect(a, `${what}[${j}] (cpu: NaN)`).toBeNaN()
      else if (!Number.isFinite(r)) expect(a, `${what}[${j}]`).toBe(r)
      else {
        expect(Number.isFinite(a), `${what}[${j}] is ${a}, cpu has ${r}`).toBe(true)
        worst = Math.max(worst, Math.abs(a - r))
      }
    }
    expect(worst / scale, what).toBeLessThan(1e-5)
  }
}

interface KernelCase {
  readonly name: string
  readonly names: { outputs: string[]; inputs: string[] }
  /** Input channel counts for a cell of C channels. */
  readonly inputChannels: (C: number) => number[]
  readonly fused: (...inputs: tf.Tensor[]) => tf.Tensor[]
  readonly composite: (...inputs: tf.Tensor[]) => tf.Tensor[]
}

const FORGET_BIAS = 1
const EPSILON = 1e-5
const t4 = (t: tf.Tensor) => t as tf.Tensor4D

const stLstmInputs = (x: tf.Tensor[]) => ({
  xGates: t4(x[0]!),
  hGates: t4(x[1]!),
  mGates: t4(x[2]!),
  cPrev: t4(x[3]!),
  mPrev: t4(x[4]!),
})

/** SimVP's GroupNorm(2), its γ and β one sample's first position (batch 1 in inputsFor). */
const GROUP_NORM = { groups: 2, epsilon: GROUP_NORM_EPSILON }
const perChannel = (t: tf.Tensor) =>
  t.slice([0, 0, 0, 0], [1, 1, 1, -1]).reshape([-1]) as tf.Tensor1D

const KERNELS: KernelCase[] = [
  {
    name: 'ConvLSTM gates',
    names: { outputs: ['c', 'h'], inputs: ['gates', 'cPrev'] },
    inputChannels: (C) => [4 * C, C],
    fused: (g, c) => Object.values(convLstmGates(t4(g!), t4(c!))),
    composite: (g, c) => Object.values(convLstmGatesComposite(t4(g!), t4(c!))),
  },
  {
    name: 'ST-LSTM memories',
    names: {
      outputs: ['c', 'm', 'oPartial'],
      inputs: ['xGates', 'hGates', 'mGates', 'cPrev', 'mPrev'],
    },
    inputChannels: (C) => [7 * C, 4 * C, 3 * C, C, C],
    fused: (...x) => Object.values(stLstmMemories(stLstmInputs(x), FORGET_BIAS)),
    composite: (...x) => Object.values(stLstmMemoriesComposite(stLstmInputs(x), FORGET_BIAS)),
  },
  {
    name: 'LSTM output',
    names: { outputs: ['h'], inputs: ['oPartial', 'oConv', 'cellConv'] },
    inputChannels: (C) => [C, C, C],
    fused: (a, b, l) => [lstmOutput(t4(a!), t4(b!), t4(l!))],
    composite: (a, b, l) => [lstmOutputComposite(t4(a!), t4(b!), t4(l!))],
  },
  {
    name: 'layer norm',
    names: { outputs: ['y'], inputs: ['x', 'gamma', 'beta'] },
    inputChannels: (C) => [C, C, C],
    fused: (x, g, b) => [layerNormalise(x!, g!.squeeze([0]), b!.squeeze([0]), EPSILON)],
    composite: (x, g, b) => [layerNormComposite(x!, g!.squeeze([0]), b!.squeeze([0]), EPSILON)],
  },
  {
    name: 'GroupNorm + SiLU',
    names: { outputs: ['y'], inputs: ['x', 'gamma', 'beta'] },
    inputChannels: (C) => [C, C, C],
    fused: (x, g, b) => [groupNormSilu(t4(x!), perChannel(g!), perChannel(b!), GROUP_NORM)],
    composite: (x, g, b) => [
      groupNormSiluComposite(t4(x!), perChannel(g!), perChannel(b!), GROUP_NORM),
    ],
  },
]

/** The kernel's inputs; the norms' γ and β have one sample's shape (batch 1). */
function inputsFor(kernel: KernelCase, channels: number, values: Values): tf.Tensor[] {
  return kernel.inputChannels(channels).map((c, seed) => {
    const gainOrShift = ['gamma', 'beta'].includes(kernel.names.inputs[seed]!)
    return extremeTensor(c, seed, values, gainOrShift ? 1 : BATCH)
  })
}

describe.skipIf(missing !== null)('fused kernels at extreme values, against cpu', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  for (const kernel of KERNELS) {
    for (const values of ['finite', 'non-finite'] as const) {
      for (const channels of CHANNELS) {
        const label = `${kernel.name}, ${channels} channels, ${values}`
        it(label, async () => {
          await initBackend('cpu')
          const cpuInputs = inputsFor(kernel, channels, values)
          const reference = outputsAndGradients(kernel.names, kernel.composite, cpuInputs)
          tf.dispose(cpuInputs)
          await initBackend('onednn')
          const before = tf.memory().numTensors
          const inputs = inputsFor(kernel, channels, values)
          const fused = outputsAndGradients(kernel.names, kernel.fused, inputs)
          tf.dispose(inputs)
          expect(tf.memory().numTensors).toBe(before)
          expectLikeCpu(fused, reference, label)
        })
      }
    }
  }
})
