import { describe, expect, it } from 'vitest'
import { diffConfigs, flattenConfig } from './config-diff'

describe('flattenConfig', () => {
  it('uses dotted keys and keeps arrays as one value', () => {
    expect(
      flattenConfig({ model: { hidden: [16, 16], tmu: { gate: 'sigmoid' } }, backend: 'cpu' }),
    ).toEqual({ 'model.hidden': '[16, 16]', 'model.tmu.gate': 'sigmoid', backend: 'cpu' })
  })

  it('keeps null leaves', () => {
    expect(flattenConfig({ train: { clipNorm: null } })).toEqual({ 'train.clipNorm': null })
  })
})

describe('diffConfigs', () => {
  const a = { model: { cell: 'convlstm', hidden: [16, 16] }, train: { lr: 3e-4, seed: 0 } }
  const b = { model: { cell: 'predrnn', hidden: [16, 16] }, train: { lr: 3e-4, seed: 1 } }

  it('shows only the keys that differ', () => {
    expect(diffConfigs([a, b])).toEqual([
      { key: 'model.cell', values: ['convlstm', 'predrnn'] },
      { key: 'train.seed', values: [0, 1] },
    ])
  })

  it('reports a key missing from some configs', () => {
    const c = { ...a, model: { ...a.model, tmu: { gate: 'softmax' } } }
    expect(diffConfigs([a, c, a])).toEqual([
      { key: 'model.tmu.gate', values: [undefined, 'softmax', undefined] },
    ])
  })

  it('finds a difference in any of three configs', () => {
    expect(diffConfigs([a, a, b]).map((r) => r.key)).toEqual(['model.cell', 'train.seed'])
  })

  it('is empty for identical configs', () => {
    expect(diffConfigs([a, structuredClone(a)])).toEqual([])
  })
})
