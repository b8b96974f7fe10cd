import { describe, expect, it } from 'vitest'
import { STUDY_SCALES } from '../api/contract'
import {
  ALL_ABLATIONS,
  ablationArm,
  armConfig,
  mainArms,
  modelOnBackbone,
  tmuArmProblems,
} from './study-plans'

describe('Flying Digits plans', () => {
  const [scratch, finetune, , tmu] = mainArms(2)
  const config = STUDY_SCALES.small.config
  const plan = {
    config,
    sources: [
      { name: 'FD-1', datasetId: 1 },
      { name: 'FD-2', datasetId: 2 },
    ],
  }

  it('gives the TMU arm both sources at the release defaults, and finetune one', () => {
    expect(armConfig(plan, tmu!, 7).model.tmu).toEqual({
      sources: 2,
      layers: [1],
      gate: 'sigmoid',
      rescaleMemory: false,
      initFromSource: null,
      transferM: false,
    })
    expect(armConfig(plan, tmu!, 7).train).toMatchObject({ seed: 7, distillWeight: 0.1 })
    expect(armConfig(plan, finetune!, 1).model.tmu).toBeUndefined()
    expect(armConfig(plan, scratch!, 1)).toEqual({
      ...config,
      train: { ...config.train, seed: 1 },
    })
  })

  it('trains a finetune on its source’s backbone, the other arms on the plan’s', () => {
    const mixed = {
      config,
      sources: [
        { name: 'FD-1', datasetId: 1, cell: 'predrnnpp' as const },
        { name: 'FD-2', datasetId: 2, cell: 'mim' as const },
      ],
    }
    const [, fromOne, fromTwo] = mainArms(2)
    expect(armConfig(mixed, fromOne!, 1).model.cell).toBe('predrnnpp')
    expect(armConfig(mixed, fromTwo!, 1).model.cell).toBe('mim')
    expect(armConfig(mixed, tmu!, 1).model.cell).toBe('convlstm')
    expect(armConfig(mixed, scratch!, 1).model.cell).toBe('convlstm')
  })

  it('keeps a MAU source on the target’s grid, so its memory can feed the TMU arm', () => {
    const zoo = { config, sources: [{ name: 'FD-1', datasetId: 1, cell: 'mau' as const }] }
    const [, fromMau] = mainArms(1)
    const finetune = armConfig(zoo, fromMau!, 1)
    expect(finetune.model).toMatchObject({ cell: 'mau', mau: { srSize: 1, tau: 5 } })
    expect(finetune.model).toEqual(modelOnBackbone(config.model, 'mau'))
    expect(modelOnBackbone(config.model, 'mim')).toEqual({ ...config.model, cell: 'mim' })
  })

  it('refuses, before training, a TMU arm whose E3D-LSTM source meets another backbone', () => {
    const arms = mainArms(1)
    const e3dSource = {
      config,
      arms,
      sources: [{ name: 'FD-1', datasetId: 1, cell: 'e3d' as const }],
    }
    expect(tmuArmProblems(e3dSource)).toEqual([
      expect.stringContaining('E3D-LSTM targets take E3D-LSTM sources only'),
    ])
    expect(tmuArmProblems(e3dSource)[0]).toMatch(/^plan.arms "[^"]+": source "FD-1"/)
    // An E3D-LSTM study (target and sources alike) keeps one window throughout: no problem.
    const e3dStudy = {
      ...e3dSource,
      config: { ...config, model: modelOnBackbone(config.model, 'e3d') },
    }
    expect(tmuArmProblems(e3dStudy)).toEqual([])
    expect(tmuArmProblems({ config, arms, sources: [{ name: 'FD-1', datasetId: 1 }] })).toEqual([])
  })

  it('changes one thing per ablation, and names the arm it varies', () => {
    const base = armConfig(plan, tmu!, 0)
    const changes = ALL_ABLATIONS.map((a) => {
      const arm = ablationArm(a, tmu!, config.model.hidden.length)
      const c = armConfig(plan, arm, 0)
      expect(arm.ablationOf).toBe(tmu!.name)
      const model = Object.entries(c.model.tmu!).filter(
        ([k, v]) => JSON.stringify(v) !== JSON.stringify(base.model.tmu![k as 'gate']),
      )
      const train = Object.entries(c.train).filter(
        ([k, v]) => v !== base.train[k as keyof typeof base.train],
      )
      return [arm.name, Object.fromEntries([...model, ...train])]
    })
    expect(changes).toEqual([
      ['TMU λ = 0', { distillWeight: 0 }],
      ['TMU λ = 0.01', { distillWeight: 0.01 }],
      ['TMU λ = 1', { distillWeight: 1 }],
      ['TMU softmax gates', { gate: 'softmax' }],
      ['TMU rescaled memory', { rescaleMemory: true }],
      ['TMU sources read truth', { sourceInput: 'truth' }],
      ['TMU ← FD-2 only', { sources: 1 }],
      ['TMU at every layer', { layers: [1, 2] }],
      ['TMU initialised from FD-2', { initFromSource: 2 }],
    ])
    expect(ablationArm('one-source', tmu!, 2).sources).toEqual([1])
  })
})
