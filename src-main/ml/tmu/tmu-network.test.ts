import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { countParams } from '../network'
import { everyLayer, tmuLayerIndices } from './tmu-layers'
import { createTmuNetwork } from './tmu-network'

const tiny = (tmu: object) =>
  ModelConfig.parse({
    hidden: [4, 4, 4],
    kernelSize: 3,
    patchSize: 2,
    imageHeight: 8,
    imageWidth: 8,
    tmu,
  })

describe('TMU target network', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('has the paper parameter count (4×64, 5×5, patch 4, M = 2, TMU at layer 1): 3 498 112', () => {
    const before = tf.memory().numTensors
    const net = createTmuNetwork(ModelConfig.parse({ tmu: { sources: 2 } }), { seed: 0 })
    expect(countParams(net)).toBe(3_498_112)
    const sizes = Object.fromEntries(net.params.entries().map((e) => [e.name, e.variable.size]))
    const sum = (prefix: string) =>
      Object.entries(sizes)
        .filter(([name]) => name.startsWith(prefix))
        .reduce((n, [, size]) => n + size, 0)
    expect(sum('cell_list.0.conv.0.')).toBe(768_384)
    expect(sum('cell_list.0.conv.1.')).toBe(196_608)
    expect(sum('cell_list.0.distiller1.')).toBe(36_864)
    expect(sum('cell_list.0.distiller2.')).toBe(36_864)
    // The ConvLSTM layers keep their names, so a source's layers 2…4 line up with the target's.
    expect(sizes['cell_list.1.conv.0.weight']).toBe(5 * 5 * 128 * 256)
    net.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('places TMU cells at tmu.layers (1-based) and ConvLSTM elsewhere, for M = 1, 2, 3', () => {
    // 8×8 frames in 2×2 patches: a 4×4 grid of 4 channels. Per TMU layer of hidden h, in c: k²(c+h)(4+M)h + (4+M)h bias + 2·(4+M)h·16 norm
    // + M·(h² + 2·h·16); a ConvLSTM layer: k²(c+h)·4h + 4h.
    const convLstm = (c: number) => 9 * (c + 4) * 16 + 16
    const tmuLayer = (c: number, M: number) =>
      9 * (c + 4) * (4 + M) * 4 + (4 + M) * 4 + 2 * (4 + M) * 4 * 16 + M * (16 + 2 * 4 * 16)
    for (const M of [1, 2, 3]) {
      for (const layers of [[1], everyLayer(3), [3, 2]]) {
        const net = createTmuNetwork(tiny({ sources: M, layers }), { seed: 0 })
        const expected = [4, 4, 4].reduce(
          (n, c, l) => n + (layers.includes(l + 1) ? tmuLayer(c, M) : convLstm(c)),
          4 * 4,
        )
        expect(countParams(net)).toBe(expected)
        const has = (l: number) =>
          net.params.entries().some((e) => e.name === `cell_list.${l}.distiller${M}.0.weight`)
        expect([0, 1, 2].map(has)).toEqual([0, 1, 2].map((l) => layers.includes(l + 1)))
        net.dispose()
      }
    }
    expect(tmuLayerIndices(tiny({ sources: 1, layers: [3, 1, 3] }))).toEqual([0, 2])
  })

  it('refuses TMU layers outside the stack', () => {
    expect(() => createTmuNetwork(tiny({ sources: 1, layers: [4] }), { seed: 0 })).toThrow(
      'TMU layer 4 does not exist, the model has 3 layers',
    )
  })
})
