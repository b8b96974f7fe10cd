import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CellKind, isRecurrentCell, ModelConfig } from '../domain/model'
import type { CellFactory, RecurrentCell } from './cells/recurrent-cell'
import { decouplingLoss } from './cells/st-lstm-v2'
import { predictionLoss, runSequence } from './forward'
import { sampleGradients, worstRelativeError } from './gradient-check'
import { initBackend } from './backend'
import { loadOneDnnAddon } from './backend/onednn-addon'
import { countParams, createNetwork } from './network'
import { parameterCount } from './parameter-shapes'

describe('createNetwork', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('has the paper ConvLSTM parameter count (4×64, 5×5, patch 4, 64×64×1): 2 971 648', () => {
    const before = tf.memory().numTensors
    const net = createNetwork(ModelConfig.parse({}), { seed: 0 })
    expect(countParams(net)).toBe(2_971_648)
    const shapes = Object.fromEntries(net.params.entries().map((e) => [e.name, e.variable.shape]))
    expect(shapes['cell_list.0.conv.0.weight']).toEqual([5, 5, 16 + 64, 256])
    expect(shapes['cell_list.3.conv.0.bias']).toEqual([256])
    expect(shapes['conv_last.weight']).toEqual([1, 1, 64, 16])
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('counts PredRNN in the paper shape: 6 049 792 without, 8 015 872 with layer norm', () => {
    // Per layer: conv_x in·25·7h + conv_h h·25·4h + conv_m h·25·3h + conv_o 2h·25·h + conv_last 2h·h;
    // layer norm adds 2·(7h + 4h + 3h + h)·16·16; head h·16.
    for (const [layerNorm, expected] of [
      [false, 6_049_792],
      [true, 8_015_872],
    ] as const) {
      const net = createNetwork(ModelConfig.parse({ cell: 'predrnn', layerNorm }), { seed: 0 })
      expect(countParams(net)).toBe(expected)
      net.dispose()
    }
    expect(6_049_792 + 4 * 2 * 15 * 64 * 256).toBe(8_015_872)
  })

  it('counts PredRNN-V2 at OpenSTL’s Moving MNIST size as their table: 23.9 M', () => {
    // 4×128, 5×5, patch 4 on 64×64×1 (configs/mmnist/PredRNNv2.py), no layer norm.
    const model = ModelConfig.parse({ cell: 'predrnnv2', hidden: [128, 128, 128, 128] })
    const net = createNetwork(model, { seed: 0 })
    expect(Math.round(countParams(net) / 1e5) / 10).toBe(23.9)
    // The ST-LSTM's weights plus the one shared 1×1 adapter of the increments.
    const v1 = createNetwork({ ...model, cell: 'predrnn' }, { seed: 0 })
    expect(countParams(net) - countParams(v1)).toBe(128 * 128)
    expect(net.params.get('adapter.weight').shape).toEqual([1, 1, 128, 128])
    net.dispose()
    v1.dispose()
  })

  it('counts MIM at OpenSTL’s Moving MNIST size as their table: 38.0 M, under their names', () => {
    // 4×128, 5×5, patch 4 on 64×64×1 (configs/mmnist/MIM.py), no layer norm.
    const model = ModelConfig.parse({ cell: 'mim', hidden: [128, 128, 128, 128] })
    const net = createNetwork(model, { seed: 0 })
    expect(Math.round(countParams(net) / 1e5) / 10).toBe(38.0)
    const names = net.params.entries().map((e) => e.name)
    expect(names).toContain('stlstm_layer.0.conv_x.0.weight')
    expect(names).toContain('stlstm_layer.3.conv_t_cc.0.weight')
    expect(names).toContain('stlstm_layer_diff.2.ct_weight')
    expect(net.params.get('stlstm_layer.1.oc_weight').shape).toEqual([16, 16, 128])
    expect(names.some((n) => n.startsWith('cell_list.'))).toBe(false)
    net.dispose()
    expect(() =>
      createNetwork(ModelConfig.parse({ cell: 'mim', hidden: [8] }), { seed: 0 }),
    ).toThrow('needs ≥ 2')
  })

  it('counts MAU at OpenSTL’s Moving MNIST size as their table: 4.5 M, under their names', () => {
    // 4×64, 5×5, patch 1, sr_size 4, τ 5 on 64×64×1 (configs/mmnist/MAU.py): cells on 16×16.
    const model = ModelConfig.parse({ cell: 'mau', hidden: [64, 64, 64, 64], patchSize: 1 })
    const net = createNetwork(model, { seed: 0 })
    expect(Math.round(countParams(net) / 1e5) / 10).toBe(4.5)
    expect(countParams(net)).toBe(parameterCount(model))
    const names = net.params.entries().map((e) => e.name)
    expect(names).toContain('cell_list.3.conv_s_next.1.weight')
    expect(names).toContain('encoders.0.encoder_t_conv-1.weight')
    expect(names).toContain('encoders.2.encoder_t1.bias')
    expect(names).toContain('decoders.1.c_decoder1.weight')
    expect(names).toContain('srcnn.0.weight')
    expect(names).not.toContain('conv_last.weight')
    expect(net.params.get('cell_list.0.conv_t.1.weight').shape).toEqual([16, 16, 192])
    net.dispose()
    const odd = ModelConfig.parse({ cell: 'mau', hidden: [8], imageHeight: 24, imageWidth: 24 })
    expect(() => createNetwork(odd, { seed: 0 })).toThrow('does not reduce by srSize 4')
  })

  it('counts E3D-LSTM at OpenSTL’s Moving MNIST size from its shapes, under their names', () => {
    // 4×128, (2, 5, 5) kernels, patch 4, window 2 on 64×64×1 (configs/mmnist/E3DLSTM.py). Layer
    // 1: conv_x 16·896·50 + conv_h, conv_gm 2·128·512·50 + conv_new_cell, conv_new_gm
    // 2·128·128·50 + conv_last 256·128 + _norm_c_t 2·128·2·16·16 = 9 072 640; layers 2–4
    // 14 090 240 each (conv_x 128·896·50); head 128·16·2: 51 347 456. OpenSTL's table prints
    // 51.0 M; its 298.9 G FLOPs are this network's (conv-flops.test.ts), so the shapes are theirs.
    const model = ModelConfig.parse({ cell: 'e3d', hidden: [128, 128, 128, 128] })
    const net = createNetwork(model, { seed: 0, trainable: false })
    expect(countParams(net)).toBe(51_347_456)
    expect(countParams(net)).toBe(parameterCount(model))
    const names = net.params.entries().map((e) => e.name)
    expect(names.slice(0, 8)).toEqual([
      'cell_list.0._norm_c_t.weight',
      'cell_list.0._norm_c_t.bias',
      'cell_list.0.conv_x.0.conv3d.weight',
      'cell_list.0.conv_h.0.conv3d.weight',
      'cell_list.0.conv_gm.0.conv3d.weight',
      'cell_list.0.conv_new_cell.0.conv3d.weight',
      'cell_list.0.conv_new_gm.0.conv3d.weight',
      'cell_list.0.conv_last.conv3d.weight',
    ])
    expect(names[names.length - 1]).toBe('conv_last.weight')
    expect(net.params.get('cell_list.1.conv_x.0.conv3d.weight').shape).toEqual([5, 5, 2, 128, 896])
    expect(net.params.get('conv_last.weight').shape).toEqual([1, 1, 2, 128, 16])
    net.dispose()
  })

  it('initialises from the seed alone, within PyTorch default bounds', () => {
    const config = ModelConfig.parse({ hidden: [4], kernelSize: 3, imageHeight: 8, imageWidth: 8 })
    const [a, b, c] = [1, 1, 2].map((seed) => createNetwork(config, { seed }))
    const kernel = (n: typeof a) => n!.params.get('cell_list.0.conv.0.weight').dataSync()
    expect(kernel(a)).toEqual(kernel(b))
    expect(kernel(a)).not.toEqual(kernel(c))
    const bound = 1 / Math.sqrt((16 + 4) * 3 * 3)
    expect(Math.max(...kernel(a).map(Math.abs))).toBeLessThanOrEqual(bound)
    expect(Math.max(...kernel(a).map(Math.abs))).toBeGreaterThan(0.9 * bound)
    for (const n of [a, b, c]) n!.dispose()
  })

  it('refuses a one-layer PredRNN++: its gradient highway sits between layers 1 and 2', () => {
    const model = ModelConfig.parse({ cell: 'predrnnpp', hidden: [8] })
    expect(() => createNetwork(model, { seed: 0 })).toThrow('needs ≥ 2')
  })

  it('rejects shapes PyTorch would not reproduce', () => {
    expect(() => createNetwork(ModelConfig.parse({ kernelSize: 4 }), { seed: 0 })).toThrow(/odd/)
    expect(() =>
      createNetwork(ModelConfig.parse({ cell: 'predrnn', hidden: [8, 4] }), { seed: 0 }),
    ).toThrow(/zig-zag/)
    expect(() => createNetwork(ModelConfig.parse({ tmu: { sources: 2 } }), { seed: 0 })).toThrow(
      /TMU/,
    )
  })

  it('zig-zags M: up the layers within a step, from the top layer at t−1 to layer 1 at t', () => {
    const before = tf.memory().numTensors
    // Spy cells: each emits a fresh M and records which M it was handed.
    const received: { layer: number; step: number; zigzag: tf.Tensor | null }[] = []
    const emitted = new Map<tf.Tensor, string>()
    const steps = [0, 0]
    const spy: CellFactory = (spec) => {
      const shape: [number, number, number, number] = [1, spec.heightPatches, spec.widthPatches, 2]
      const cell: RecurrentCell = {
        hiddenChannels: 2,
        zigzagChannels: 2,
        zeroState: () => ({ h: tf.zeros(shape), c: tf.zeros(shape) }),
        step(_x, prev, zigzag) {
          const t = steps[spec.index]!++
          received.push({ layer: spec.index, step: t, zigzag })
          const m = tf.zeros<tf.Rank.R4>(shape)
          emitted.set(m, `layer ${spec.index} step ${t}`)
          return { state: { h: tf.zeros(shape), c: prev.c }, zigzag: m }
        },
      }
      return cell
    }
    const config = ModelConfig.parse({
      hidden: [2, 2],
      kernelSize: 1,
      patchSize: 1,
      imageHeight: 2,
      imageWidth: 2,
    })
    const net = createNetwork(config, { seed: 0, cellFactory: spy })
    tf.tidy(() => {
      runSequence(net, tf.zeros([1, 3, 2, 2, 1]), { inputFrames: 2 })
      const origin = received.map(
        (r) => `${r.layer}@${r.step}<-${r.zigzag ? (emitted.get(r.zigzag) ?? 'zeros') : 'none'}`,
      )
      expect(origin).toEqual([
        '0@0<-zeros',
        '1@0<-layer 0 step 0',
        '0@1<-layer 1 step 0',
        '1@1<-layer 0 step 1',
      ])
    })
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  for (const cell of CellKind.options.filter(isRecurrentCell)) {
    const norm = endToEndLayerNorm(cell) ? ', layer norm' : ''
    it(`${cell}: end-to-end gradients (scheduled sampling${norm}) match finite differences`, () =>
      checkNetworkGradients(cell))
  }
})

// The backends users train on compute convolution gradients with this project's own kernels
// (ml/backend/wasm-conv-grad.ts, and oneDNN through ml/backend/onednn-kernels.ts). wasm's
// transcendental functions are approximations, too coarse for finite differences in float32,
// so their analytic gradients are checked against the cpu backend's, which the finite
// differences above vouch for.
const oneDnnMissing = (() => {
  const loaded = loadOneDnnAddon()
  return 'error' in loaded ? loaded.error : null
})()

describe.each([
  { backend: 'wasm' as const, skip: null },
  { backend: 'onednn' as const, skip: oneDnnMissing },
])('createNetwork on the $backend backend', ({ backend, skip }) => {
  afterAll(async () => {
    await tf.setBackend('cpu')
  })

  for (const cell of CellKind.options.filter(isRecurrentCell)) {
    it.skipIf(skip !== null)(`${cell}: end-to-end gradients match the cpu backend's`, async () => {
      await tf.setBackend('cpu')
      const reference = networkGradients(cell)
      await initBackend(backend)
      const before = tf.memory().numTensors
      const onWasm = networkGradients(cell)
      expect(Object.keys(onWasm)).toEqual(Object.keys(reference))
      for (const [name, values] of Object.entries(reference)) {
        const scale = Math.max(...values.map(Math.abs), 1e-6)
        const worst = Math.max(...values.map((v, i) => Math.abs(v - onWasm[name]![i]!)))
        expect(worst / scale, name).toBeLessThan(1e-3)
      }
      expect(tf.memory().numTensors).toBe(before)
    })
  }
})

/** Every parameter's gradient of the gradient-check loss, as plain numbers by name. */
function networkGradients(cell: CellKind): Record<string, number[]> {
  const { net, clip, mask, loss } = gradientCheckProblem(cell)
  const variables = net.params.entries()
  const { grads, value } = tf.variableGrads(
    loss,
    variables.map((e) => e.variable),
  )
  const out = Object.fromEntries(
    // No gradient is a zero one (PredRNN++'s conv_o, which its forward never applies).
    variables.map((e) => [
      e.name,
      Array.from(grads[e.variable.name]?.dataSync() ?? new Float32Array(e.variable.size)),
    ]),
  )
  tf.dispose([value, ...Object.values(grads), clip, mask])
  net.dispose()
  return out
}

/**
 * Layer norm in the end-to-end checks, except for PredRNN++: its GHU kernels start at
 * U(±0.001), so the norms after them divide by a spread of ~1e-3 and the loss curves on a
 * scale below any float32 finite-difference step (measured: 100 % off at ε = 2e-3, 30 % at
 * 5e-4, while the analytic value is what the differences converge to). Its normed gradients
 * are checked cell by cell in cells/causal-lstm.test.ts.
 */
function endToEndLayerNorm(cell: CellKind): boolean {
  return cell !== 'predrnnpp'
}

/**
 * MAU reduces its grid by srSize, so its frames are 4×8 (a 2×4 patched grid, 1×2 cells after
 * one stride-2 convolution) and its window τ = 2 is overrun within the 5 steps.
 */
function gradientCheckGeometry(cell: CellKind) {
  return cell === 'mau'
    ? { imageHeight: 4, imageWidth: 8, mau: { srSize: 2, tau: 2 } }
    : { imageHeight: 4, imageWidth: 6 }
}

function gradientCheckProblem(cell: CellKind) {
  const config = ModelConfig.parse({
    cell,
    hidden: [3, 3],
    kernelSize: 3,
    patchSize: 2,
    ...gradientCheckGeometry(cell),
    layerNorm: endToEndLayerNorm(cell),
  })
  const net = createNetwork(config, { seed: 3 })
  const patchedShape: [number, number, number, number, number] = [
    2,
    5,
    config.imageHeight / 2,
    config.imageWidth / 2,
    4,
  ]
  const clip = tf.randomUniform(patchedShape, 0, 1, 'float32', 11) as tf.Tensor5D
  // Sample 0 reads its guess at t = 2 and the truth at t = 3; sample 1 the reverse. PredRNN-V2
  // trains with reverse sampling, so its mask covers the context step t = 1 as well.
  const reverse = cell === 'predrnnv2'
  const mask = reverse ? tf.tensor2d([1, 0, 1, 0, 1, 0], [2, 3]) : tf.tensor2d([0, 1, 1, 0], [2, 2])
  const loss = () =>
    tf.tidy(() => {
      const { guessesBTHWC, statesByStep } = runSequence(net, clip, {
        inputFrames: 2,
        truthMaskBP: mask,
        ...(reverse ? { truthMaskFrom: 1 } : {}),
        recordStates: net.adapter !== null,
        training: true,
      })
      // Scaled so the mean squared error is O(1), which float32 differences need.
      const prediction = tf.mul(predictionLoss(guessesBTHWC, clip), 10) as tf.Scalar
      return net.adapter
        ? (tf.add(prediction, decouplingLoss(net.adapter, statesByStep)) as tf.Scalar)
        : prediction
    })
  return { net, clip, mask, loss }
}

function checkNetworkGradients(cell: CellKind) {
  const before = tf.memory().numTensors
  const { net, clip, mask, loss } = gradientCheckProblem(cell)
  const variables = net.params.entries().map((e) => e.variable)
  const samples = sampleGradients(loss, variables, { randomEntries: 1, epsilon: 2e-3 })
  expect(worstRelativeError(samples, 5e-2)).toBeLessThan(1e-2)
  tf.dispose([clip, mask])
  net.dispose()
  expect(tf.memory().numTensors).toBe(before)
}
