import { describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { checkTmuCompatibility, IncompatibleSourcesError } from './compatibility'

const target = ModelConfig.parse({ hidden: [64, 64, 64, 64], tmu: { sources: 2 } })
const source = (overrides: object) => ModelConfig.parse({ ...overrides })

describe('checkTmuCompatibility', () => {
  it('accepts ConvLSTM and PredRNN sources whose memory fits the TMU layer', () => {
    expect(() =>
      checkTmuCompatibility(target, [
        // Only layer 1 meets the target: the rest of the stack, kernel and norm may differ.
        { name: 'digits-1', config: source({ hidden: [64, 32], kernelSize: 3, layerNorm: true }) },
        { name: 'digits-2', config: source({ cell: 'predrnn', hidden: [64, 64, 64, 64] }) },
      ]),
    ).not.toThrow()
  })

  it('takes a PredRNN++ source beside a ConvLSTM one, and says so in words when it does not fit', () => {
    const predrnnpp = (hidden: number[]) => source({ cell: 'predrnnpp', hidden })
    expect(() =>
      checkTmuCompatibility(target, [
        { name: 'causal', config: predrnnpp([64, 64, 64, 64]) },
        { name: 'conv', config: source({}) },
      ]),
    ).not.toThrow()
    expect(() =>
      checkTmuCompatibility(target, [
        { name: 'causal', config: predrnnpp([128, 128, 128, 128]) },
        { name: 'conv', config: source({}) },
      ]),
    ).toThrow(
      'source "causal" has hidden [128,128,128,128] at layer 1, the target\'s TMU layer 1 has 64 channels',
    )
  })

  it('refuses a MAU source or target whose srSize leaves the memories on different grids, naming both', () => {
    const oneSource = ModelConfig.parse({ hidden: [8, 8], tmu: { sources: 1 } })
    const reduced = ModelConfig.parse({ cell: 'mau', hidden: [8, 8] })
    expect(() => checkTmuCompatibility(oneSource, [{ name: 'mau-4', config: reduced }])).toThrow(
      'source "mau-4" is a MAU network with srSize 4: its memory T lives on 4×4 cells, the target\'s on 16×16; a MAU\'s srSize must leave the two grids equal',
    )
    const unreduced = ModelConfig.parse({ cell: 'mau', hidden: [8, 8], mau: { srSize: 1 } })
    expect(() =>
      checkTmuCompatibility(oneSource, [{ name: 'mau-1', config: unreduced }]),
    ).not.toThrow()
    // A MAU target's memory is on its reduced grid too: a ConvLSTM source's is not.
    const mauTarget = ModelConfig.parse({ cell: 'mau', hidden: [8, 8], tmu: { sources: 1 } })
    const convLstm = ModelConfig.parse({ hidden: [8, 8] })
    expect(() => checkTmuCompatibility(mauTarget, [{ name: 'conv', config: convLstm }])).toThrow(
      'source "conv" keeps its memory on 16×16 cells, the target\'s on 4×4; a MAU\'s srSize must leave the two grids equal',
    )
    expect(() =>
      checkTmuCompatibility(mauTarget, [{ name: 'mau-4', config: reduced }]),
    ).not.toThrow()
  })

  it('with transferM, takes sources of every backbone with an M and names each one without', () => {
    const transferM = (cell: string) =>
      ModelConfig.parse({ cell, hidden: [8, 8], tmu: { sources: 2, transferM: true } })
    const withM = (cell: string) => ModelConfig.parse({ cell, hidden: [8, 8] })
    for (const cell of ['predrnn', 'predrnnv2', 'predrnnpp', 'mim']) {
      expect(() =>
        checkTmuCompatibility(transferM(cell), [
          { name: 'st', config: withM('predrnn') },
          { name: 'mim', config: withM('mim') },
        ]),
      ).not.toThrow()
    }
    const having =
      'PredRNN (ST-LSTM), PredRNN++ (Causal LSTM + GHU), PredRNN-V2 (ST-LSTM, decoupled memories), MIM (memory in memory)'
    expect(() =>
      checkTmuCompatibility(transferM('predrnn'), [
        { name: 'conv', config: withM('convlstm') },
        {
          name: 'mau',
          config: ModelConfig.parse({ cell: 'mau', hidden: [8, 8], mau: { srSize: 1 } }),
        },
      ]),
    ).toThrow(
      `source "conv" is a ConvLSTM network, which has no spatiotemporal memory M to transfer (tmu.transferM needs ${having}); ` +
        `source "mau" is a MAU (motion-aware unit) network, which has no spatiotemporal memory M to transfer (tmu.transferM needs ${having})`,
    )
    expect(() =>
      checkTmuCompatibility(transferM('convlstm'), [
        { name: 'st', config: withM('predrnn') },
        { name: 'st2', config: withM('predrnn') },
      ]),
    ).toThrow(
      `the target is a ConvLSTM network, which has no spatiotemporal memory M to transfer (tmu.transferM needs ${having})`,
    )
    // M is as wide as every layer, so a source too wide for C is too wide for M: said once.
    expect(() =>
      checkTmuCompatibility(transferM('predrnn'), [
        { name: 'wide', config: ModelConfig.parse({ cell: 'predrnn', hidden: [16, 16] }) },
        { name: 'st', config: withM('predrnn') },
      ]),
    ).toThrow(
      'source "wide" has hidden [16,16] at layer 1, the target\'s TMU layer 1 has 8 channels',
    )
  })

  it('keeps E3D-LSTM memories, windows of time slots, among E3D-LSTMs of one window', () => {
    const e3d = (window: number, tmu?: object) =>
      ModelConfig.parse({ cell: 'e3d', hidden: [8, 8], e3d: { window }, ...(tmu ? { tmu } : {}) })
    const convLstmTarget = ModelConfig.parse({ hidden: [8, 8], tmu: { sources: 1 } })
    const onlyE3d =
      'E3D-LSTM memory holds a window of time slots, so E3D-LSTM targets take E3D-LSTM sources only and E3D-LSTM sources feed E3D-LSTM targets only'
    expect(() => checkTmuCompatibility(convLstmTarget, [{ name: 'e3d', config: e3d(2) }])).toThrow(
      `source "e3d" is an E3D-LSTM (eidetic 3-D LSTM) network and the target a ConvLSTM one; an ${onlyE3d}`,
    )
    const e3dTarget = e3d(2, { sources: 1 })
    const predrnn = ModelConfig.parse({ cell: 'predrnn', hidden: [8, 8] })
    expect(() => checkTmuCompatibility(e3dTarget, [{ name: 'st', config: predrnn }])).toThrow(
      onlyE3d,
    )
    expect(() => checkTmuCompatibility(e3dTarget, [{ name: 'w3', config: e3d(3) }])).toThrow(
      'source "w3" has an E3D-LSTM window of 3, the target 2',
    )
    expect(() => checkTmuCompatibility(e3dTarget, [{ name: 'w2', config: e3d(2) }])).not.toThrow()
    // Its M is windowed like its C: the M transfer, which reads one slot, does not take it.
    expect(() =>
      checkTmuCompatibility(e3d(2, { sources: 1, transferM: true }), [
        { name: 'w2', config: e3d(2) },
      ]),
    ).toThrow(
      /: the target is an E3D-LSTM \(eidetic 3-D LSTM\) network, whose spatiotemporal memory M spans a window/,
    )
  })

  it('refuses a SimVP or TAU source: neither holds memory state to transfer', () => {
    expect(() =>
      checkTmuCompatibility(target, [
        { name: 'simvp', config: source({ cell: 'simvp', patchSize: 1 }) },
        { name: 'conv', config: source({}) },
      ]),
    ).toThrow('source "simvp" is a SimVP (gSTA translator) network, which holds no memory state')
    expect(() =>
      checkTmuCompatibility(target, [
        { name: 'tau', config: source({ cell: 'tau', patchSize: 1 }) },
      ]),
    ).toThrow(
      'source "tau" is a TAU (temporal attention unit) network, which holds no memory state',
    )
  })

  it('names the source and both widths when a TMU layer does not fit', () => {
    expect(() =>
      checkTmuCompatibility(target, [
        { name: 'digits-1', config: source({ hidden: [32, 32] }) },
        { name: 'digits-2', config: source({}) },
      ]),
    ).toThrow(
      'source "digits-1" has hidden [32,32] at layer 1, the target\'s TMU layer 1 has 64 channels',
    )
    const everyLayer = { ...target, tmu: { ...target.tmu!, layers: [1, 2, 3] } }
    expect(() =>
      checkTmuCompatibility(everyLayer, [
        { name: 'short', config: source({ hidden: [64, 64] }) },
        { name: 'b', config: source({}) },
      ]),
    ).toThrow('source "short" has hidden [64,64], no layer 3 for the target\'s TMU layer 3')
  })

  it('lists every problem: count, geometry, TMU sources, duplicates', () => {
    let error: unknown
    try {
      checkTmuCompatibility(target, [
        { name: 'a', config: source({ patchSize: 2, imageWidth: 32, channels: 3 }) },
        { name: 'a', config: source({}) },
        { name: 'tmu', config: target },
      ])
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(IncompatibleSourcesError)
    expect((error as IncompatibleSourcesError).code).toBe('invalid_input')
    expect((error as IncompatibleSourcesError).problems).toEqual([
      'the target has M = 2 sources (tmu.sources), got 3',
      'source "a" is given twice',
      'source "a" has patch size 2, the target 4',
      'source "a" has frames of 64×32, the target 64×64',
      'source "a" has channels 3, the target 1',
      'source "tmu" is a TMU network; sources are plain networks (ConvLSTM, PredRNN (ST-LSTM), PredRNN++ (Causal LSTM + GHU), PredRNN-V2 (ST-LSTM, decoupled memories), MIM (memory in memory), MAU (motion-aware unit), E3D-LSTM (eidetic 3-D LSTM))',
    ])
  })
})
