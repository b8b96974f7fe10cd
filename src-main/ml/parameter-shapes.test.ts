import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { RUN_PRESETS } from '../api/contract/presets'
import { ModelConfig } from '../domain/model'
import { createNetwork, type PredictiveNetwork } from './network'
import { parameterCount, parameterShapes } from './parameter-shapes'
import { createTmuNetwork } from './tmu/tmu-network'

/** Names and shapes of a real network's parameters, in creation order. */
function realShapes(net: PredictiveNetwork): [string, number[]][] {
  return net.params.entries().map((e) => [e.name, [...e.variable.shape]])
}

const tiny = { kernelSize: 3, imageHeight: 16, imageWidth: 12 }

describe('parameterShapes', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it.each([
    ['convlstm', { ...tiny, hidden: [8, 6] }],
    ['convlstm with layer norm', { ...tiny, hidden: [8, 6], layerNorm: true }],
    ['predrnn', { ...tiny, cell: 'predrnn', hidden: [6, 6, 6] }],
    ['predrnn with layer norm', { ...tiny, cell: 'predrnn', hidden: [6, 6], layerNorm: true }],
    ['predrnnpp', { ...tiny, cell: 'predrnnpp', hidden: [6, 6, 6] }],
    ['predrnnpp with layer norm', { ...tiny, cell: 'predrnnpp', hidden: [6, 6], layerNorm: true }],
    ['3 channels, patch 2', { ...tiny, hidden: [5], channels: 3, patchSize: 2 }],
    ['e3d', { ...tiny, cell: 'e3d', hidden: [6, 6] }],
    [
      'e3d with layer norm, window 3',
      { ...tiny, cell: 'e3d', hidden: [4, 4], layerNorm: true, e3d: { window: 3 } },
    ],
  ])('equals a real %s network, name for name and in order', (_, config) => {
    const before = tf.memory().numTensors
    const model = ModelConfig.parse(config)
    const net = createNetwork(model, { seed: 0, trainable: false })
    expect(Object.entries(parameterShapes(model))).toEqual(realShapes(net))
    expect(parameterCount(model)).toBe(net.params.countParams())
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it.each([
    ['M = 2 at layer 1', { sources: 2 }],
    ['M = 1 at layer 2', { sources: 1, layers: [2] }],
    ['M = 3 at every layer, softmax', { sources: 3, layers: [1, 2, 3], gate: 'softmax' }],
    ['PredRNN, M = 2 at layer 1', { sources: 2 }, 'predrnn'],
    [
      'PredRNN++ with layer norm, M = 1 at layers 1 and 3',
      { sources: 1, layers: [1, 3] },
      'predrnnpp',
    ],
    ['PredRNN-V2, M = 2 at layer 2', { sources: 2, layers: [2] }, 'predrnnv2'],
    ['MIM, M = 2 at every layer', { sources: 2, layers: [1, 2, 3] }, 'mim'],
    ['PredRNN, M = 2 at layer 1, transferring M', { sources: 2, transferM: true }, 'predrnn'],
    [
      'PredRNN++, M = 1 at layers 1 and 2, transferring M',
      { sources: 1, layers: [1, 2], transferM: true },
      'predrnnpp',
    ],
    [
      'PredRNN-V2, M = 3 at layer 3, transferring M, softmax',
      { sources: 3, layers: [3], transferM: true, gate: 'softmax' },
      'predrnnv2',
    ],
    [
      'MIM, M = 2 at layers 1 and 2, transferring M',
      { sources: 2, layers: [1, 2], transferM: true },
      'mim',
    ],
    ['E3D-LSTM, M = 2 at layers 1 and 2', { sources: 2, layers: [1, 2] }, 'e3d'],
  ])('equals a real TMU target, %s', (title, tmu, cell = 'convlstm') => {
    const layerNorm = title.includes('layer norm')
    const model = ModelConfig.parse({ ...tiny, cell, layerNorm, hidden: [8, 8, 8], tmu })
    const net = createTmuNetwork(model, { seed: 0, trainable: false })
    expect(Object.entries(parameterShapes(model))).toEqual(realShapes(net))
    expect(parameterCount(model)).toBe(net.params.countParams())
    net.dispose()
  })

  it('equals a real MAU TMU target, the transfer on its reduced grid', () => {
    const model = ModelConfig.parse({
      ...tiny,
      imageHeight: 32,
      imageWidth: 16,
      cell: 'mau',
      hidden: [8, 8],
      mau: { srSize: 2, tau: 2 },
      tmu: { sources: 2, layers: [1, 2] },
    })
    const net = createTmuNetwork(model, { seed: 0, trainable: false })
    expect(Object.entries(parameterShapes(model))).toEqual(realShapes(net))
    // 32×16 frames in 4×4 patches, halved: the transfer's norm is over a 4×2 grid.
    expect(parameterShapes(model)['cell_list.0.transfer.1.weight']).toEqual([4, 2, 16])
    net.dispose()
  })

  it('counts the paper configurations as docs/method.md §3.9 does', () => {
    expect(parameterCount(ModelConfig.parse({}))).toBe(2_971_648)
    // Layer 1 becomes conv 768 384 + its layer norm 196 608 + two distillers of 36 864.
    expect(parameterCount(ModelConfig.parse({ tmu: { sources: 2 } }))).toBe(3_498_112)
    // §3.11: beside the ST-LSTM's 6 049 792, transfer 256 128 + its norm 65 536 + 2 × 36 864.
    const predrnnTarget = ModelConfig.parse({ cell: 'predrnn', tmu: { sources: 2 } })
    expect(parameterCount(predrnnTarget)).toBe(6_445_184)
  })

  it('counts a PredRNN 4×64 target transferring M, M = 2 at layer 1, from its convolutions', () => {
    // The ST-LSTM stack (16 patch channels, 16×16 grid): layer 1 conv_x 25·16·448 = 179 200,
    // conv_h 25·64·256 = 409 600, conv_m 25·64·192 = 307 200, conv_o 25·128·64 = 204 800,
    // conv_last 128·64 = 8 192, 1 108 992 in all; layers 2–4 the same with conv_x 25·64·448 =
    // 716 800, 1 646 592 each; the head 64·16 = 1 024: 6 049 792.
    // The TMU at layer 1 with transferM: transfer.0 over [X, H] = 80 channels to 2·2·64 = 256
    // gates (s_1, s_2 for C, s′_1, s′_2 for M), 25·80·256 + 256 = 512 256; its norm
    // 2·256·16·16 = 131 072; four distillers (two for C, two for M) of 64·64 + 2·64·16·16 =
    // 36 864 each, 147 456: 790 784 on top, 6 840 576.
    const model = ModelConfig.parse({ cell: 'predrnn', tmu: { sources: 2, transferM: true } })
    expect(parameterCount(model)).toBe(6_840_576)
    const net = createTmuNetwork(model, { seed: 0, trainable: false })
    expect(net.params.countParams()).toBe(6_840_576)
    net.dispose()
  })

  it("counts OpenSTL's Moving MNIST PredRNN++ as their table (38.6 M)", () => {
    const preset = RUN_PRESETS['predrnnpp-openstl'].model
    const model = ModelConfig.parse(preset)
    // Per layer 25·(7·16 or 7·128)·128 for conv_x, 25·(4+3+3+2+4+1)·128² for the other k×k
    // convolutions (conv_o included), 2·128² for conv_last; the GHU 2·25·128·256; head 128·16.
    expect(parameterCount(model)).toBe(38_584_320)
    expect((parameterCount(model) / 1e6).toFixed(1)).toBe('38.6')
  })

  it('refuses TMU layers the stack does not have, as the real network does', () => {
    const model = ModelConfig.parse({ ...tiny, hidden: [8], tmu: { sources: 1, layers: [2] } })
    expect(() => parameterShapes(model)).toThrow(/TMU layer 2 does not exist/)
  })
})
