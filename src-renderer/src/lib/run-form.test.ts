import { RunConfig, type Dataset } from '@contract/index'
import { describe, expect, it } from 'vitest'
import { makeRun } from '../testing/fixtures'
import {
  PRESETS,
  architectureOf,
  defaultRunForm,
  fitToDataset,
  formFromRun,
  parseLayerList,
  sourceCheckOf,
  transferMOffered,
  validateRunForm,
  type RunForm,
} from './run-form'

const dataset: Dataset = {
  id: 7,
  name: 'digits',
  origin: 'generated',
  shape: { T: 6, H: 32, W: 32, C: 1 },
  clipCount: 24,
  splits: { train: 16, val: 4, test: 4 },
  bytes: 1000,
  contentSha256: 'x',
  provenance: {},
  createdAt: '2026-01-01T00:00:00Z',
  runCount: 0,
}

function tinyForm(overrides: Partial<RunForm> = {}): RunForm {
  const form = { ...defaultRunForm(), ...PRESETS.quick.values, experimentId: 1 }
  return { ...form, ...fitToDataset(form, dataset), datasetId: 7, name: 'tiny', ...overrides }
}

describe('run form', () => {
  it('fits image size, channels and frames to the dataset', () => {
    expect(fitToDataset(defaultRunForm(), dataset)).toEqual({
      imageHeight: 32,
      imageWidth: 32,
      channels: 1,
      inputFrames: 5,
      outputFrames: 1,
    })
  })

  it('builds a create input from a valid form', () => {
    const { errors, input } = validateRunForm(
      tinyForm({ inputFrames: 3, outputFrames: 3 }),
      dataset,
    )
    expect(errors).toEqual({})
    expect(input?.config.model.hidden).toEqual([16, 16])
    expect(input?.config.model.tmu).toBeUndefined()
    expect(input?.config.train).toMatchObject({ iterations: 200, batchSize: 4, inputFrames: 3 })
    expect(input?.sourceRunIds).toEqual([])
  })

  it('carries a PredRNN-V2 preset’s reverse sampling and β into the run, and resets them after', () => {
    const v2 = PRESETS['predrnnv2-openstl'].values
    const { errors, input } = validateRunForm(
      tinyForm({ ...v2, inputFrames: 3, outputFrames: 3 }),
      dataset,
    )
    expect(errors).toEqual({})
    expect(input?.config.model.cell).toBe('predrnnv2')
    expect(input?.config.train).toMatchObject({
      sampling: 'reverse',
      reverseSamplingStart: 25_000,
      reverseSamplingEnd: 50_000,
      decoupleWeight: 0.1,
    })
    // Then the quick preset: standard again, whatever the V2 preset had set.
    const after = { ...tinyForm(v2), ...PRESETS.quick.values }
    expect(after.sampling).toBe('standard')
    const ramp = validateRunForm(
      tinyForm({ sampling: 'reverse', reverseSamplingStart: 50, reverseSamplingEnd: 50 }),
      dataset,
    )
    expect(ramp.errors.reverseSamplingEnd).toBe('ramp end: an iteration after the start (50)')
  })

  it('says beside the backbone what SimVP does not take: patches, sampling, reverse input', () => {
    const { errors, input } = validateRunForm(
      tinyForm({ cell: 'simvp', patchSize: 4, reverseInput: true }),
      dataset,
    )
    expect(input).toBeNull()
    expect(errors.cell).toMatch(/patchSize must be 1.*scheduled sampling.*reverse input/)
  })

  it('carries a SimVP preset’s sizes into the run, its Tin from the input frames', () => {
    const { errors, input } = validateRunForm(
      tinyForm({ ...PRESETS['simvp-quick'].values, inputFrames: 3, outputFrames: 3 }),
      dataset,
    )
    expect(errors).toEqual({})
    expect(input?.config.model.simvp).toEqual({
      inputFrames: 3,
      spatialChannels: 8,
      translatorChannels: 32,
      spatialBlocks: 4,
      translatorBlocks: 2,
      encoderKernel: 3,
      decoderKernel: 3,
      mlpRatio: 4,
    })
    // The OpenSTL preset after it puts their sizes back, not the quick ones.
    const openstl = {
      ...tinyForm(PRESETS['simvp-quick'].values),
      ...PRESETS['simvp-openstl'].values,
    }
    expect(openstl).toMatchObject({ simvpSpatialChannels: 64, simvpTranslatorChannels: 512 })
    // A recurrent run carries no SimVP sizes.
    expect(validateRunForm(tinyForm(), dataset).input?.config.model.simvp).toBeUndefined()
  })

  it('carries MAU’s reduction and window, and says what a bad reduction needs', () => {
    const mau = { ...PRESETS['mau-quick'].values, mauSrSize: 2, mauTau: 3 }
    const { errors, input } = validateRunForm(tinyForm(mau), dataset)
    expect(errors).toEqual({})
    expect(input?.config.model.mau).toEqual({ srSize: 2, tau: 3 })
    expect(validateRunForm(tinyForm({ mauSrSize: 2 }), dataset).input?.config.model.mau).toBe(
      undefined,
    )
  })

  it('carries E3D-LSTM’s window from its preset and its field', () => {
    const e3d = { ...PRESETS['e3d-quick'].values, e3dWindow: 3 }
    const { errors, input } = validateRunForm(tinyForm(e3d), dataset)
    expect(errors).toEqual({})
    expect(input?.config.model).toMatchObject({ cell: 'e3d', e3d: { window: 3 } })
    expect(validateRunForm(tinyForm({ e3dWindow: 3 }), dataset).input?.config.model.e3d).toBe(
      undefined,
    )
  })

  it('takes a SimVP source’s sizes for a finetune', () => {
    const simvp = { spatialChannels: 16, translatorChannels: 48, translatorBlocks: 3 }
    const config = RunConfig.parse({ model: { cell: 'simvp', patchSize: 1, simvp }, train: {} })
    expect(architectureOf(makeRun({ config }))).toMatchObject({
      cell: 'simvp',
      simvpSpatialChannels: 16,
      simvpTranslatorChannels: 48,
      simvpTranslatorBlocks: 3,
    })
  })

  it("sends TAU's preset sizes and α, the translator sized for the form's Tin", () => {
    const { errors, input } = validateRunForm(
      tinyForm({ ...PRESETS['tau-quick'].values, inputFrames: 3, outputFrames: 3 }),
      dataset,
    )
    expect(errors).toEqual({})
    expect(input?.config.model).toMatchObject({
      cell: 'tau',
      simvp: { spatialChannels: 8, translatorChannels: 32, inputFrames: 3 },
    })
    expect(input?.config.train.ddrWeight).toBe(0.1)
    const recurrent = validateRunForm(
      tinyForm({ ...PRESETS['tau-quick'].values, cell: 'convlstm' }),
      dataset,
    )
    expect(recurrent.input?.config.train.ddrWeight).toBe(0)
    expect(recurrent.input?.config.model.simvp).toBeUndefined()
    const negative = validateRunForm(tinyForm({ cell: 'tau', ddrWeight: -1 }), dataset)
    expect(negative.errors.ddrWeight).toBe('α must be ≥ 0')
  })

  it('names each field that is wrong', () => {
    const { errors, input } = validateRunForm(
      tinyForm({ name: ' ', kernelSize: 4, patchSize: 5, inputFrames: 4, outputFrames: 4 }),
      dataset,
    )
    expect(input).toBeNull()
    expect(Object.keys(errors).sort()).toEqual(['kernelSize', 'name', 'outputFrames', 'patchSize'])
    expect(errors.patchSize).toMatch(/32×32/)
  })

  it('takes one hidden width for every layer or one per layer, and gradient clipping', () => {
    const perLayer = validateRunForm(
      tinyForm({ layers: 3, hidden: '64, 32,32', clipNorm: '1' }),
      dataset,
    )
    expect(perLayer.errors).toEqual({})
    expect(perLayer.input?.config.model.hidden).toEqual([64, 32, 32])
    expect(perLayer.input?.config.train.clipNorm).toBe(1)
    expect(validateRunForm(tinyForm(), dataset).input?.config.train.clipNorm).toBeNull()

    const { errors } = validateRunForm(
      tinyForm({ layers: 3, hidden: '64, 32', clipNorm: '0' }),
      dataset,
    )
    expect(errors.hidden).toBe('hidden channels: 2 widths for 3 layers; give one, or 3')
    expect(errors.clipNorm).toMatch(/a global norm > 0/)
    expect(validateRunForm(tinyForm({ hidden: '64, x' }), dataset).errors.hidden).toMatch(
      /whole numbers ≥ 1/,
    )
  })

  it('carries the learning-rate schedule, and says what a bad step factor needs', () => {
    const cosine = validateRunForm(tinyForm({ lrSchedule: 'cosine' }), dataset).input
    expect(cosine?.config.train.lrSchedule).toBe('cosine')
    const { errors } = validateRunForm(tinyForm({ lrSchedule: 'step', lrStepFactor: 2 }), dataset)
    expect(errors.lrStepFactor).toBe('must be at most 1')
  })

  it('asks a finetune for one source and a TMU for at least one', () => {
    expect(validateRunForm(tinyForm({ kind: 'finetune' }), dataset).errors.sourceRunIds).toMatch(
      /exactly one/,
    )
    expect(validateRunForm(tinyForm({ kind: 'tmu' }), dataset).errors.sourceRunIds).toMatch(
      /at least one/,
    )
  })

  it('builds TMU options from the form', () => {
    const { input } = validateRunForm(
      tinyForm({ kind: 'tmu', sourceRunIds: [3, 4], tmuLayers: '1, 2', gate: 'softmax' }),
      dataset,
    )
    expect(input?.config.model.tmu).toEqual({
      sources: 2,
      layers: [1, 2],
      gate: 'softmax',
      rescaleMemory: false,
      transferM: false,
    })
    expect(input?.sourceRunIds).toEqual([3, 4])
  })

  it('offers and records "Transfer M too" only for TMU targets whose cell has an M', () => {
    for (const cell of ['predrnn', 'predrnnv2', 'predrnnpp', 'mim'] as const) {
      expect(transferMOffered({ kind: 'tmu', cell }), cell).toBe(true)
      expect(transferMOffered({ kind: 'scratch', cell }), cell).toBe(false)
      const form = tinyForm({ kind: 'tmu', cell, sourceRunIds: [3], transferM: true })
      expect(validateRunForm(form, dataset).input?.config.model.tmu?.transferM, cell).toBe(true)
    }
    for (const cell of ['convlstm', 'mau'] as const) {
      expect(transferMOffered({ kind: 'tmu', cell }), cell).toBe(false)
      // Ticked for a PredRNN, then hidden by the change of cell: nothing asked.
      const form = tinyForm({ kind: 'tmu', cell, sourceRunIds: [3], transferM: true })
      expect(validateRunForm(form, dataset).input?.config.model.tmu?.transferM, cell).toBe(false)
    }
  })

  it('refuses TMU layers beyond the stack', () => {
    const { errors } = validateRunForm(
      tinyForm({ kind: 'tmu', sourceRunIds: [3], tmuLayers: '3' }),
      dataset,
    )
    expect(errors.tmuLayers).toMatch(/1 to 2/)
  })

  it('parses layer lists and copies a source architecture', () => {
    expect(parseLayerList('1, 2 3')).toEqual([1, 2, 3])
    expect(parseLayerList('0')).toBeNull()
    expect(parseLayerList('')).toBeNull()
    expect(architectureOf(makeRun())).toMatchObject({ cell: 'convlstm', layers: 4, hidden: '64' })
  })

  it('asks zoo.check about a TMU run once it has sources and a valid layer list', () => {
    expect(sourceCheckOf(tinyForm({ kind: 'tmu', sourceRunIds: [] }))).toBeNull()
    expect(sourceCheckOf(tinyForm({ kind: 'tmu', sourceRunIds: [3], tmuLayers: '9' }))).toBeNull()
    expect(sourceCheckOf(tinyForm({ kind: 'finetune', sourceRunIds: [3] }))).toBeNull()
    const check = sourceCheckOf(tinyForm({ kind: 'tmu', sourceRunIds: [3, 4], name: '' }))
    expect(check?.sourceRunIds).toEqual([3, 4])
    expect(check?.model.tmu).toMatchObject({ sources: 2, layers: [1] })
  })

  it('clones a run into the form: the same settings come back out, under a new name', () => {
    const original = validateRunForm(
      tinyForm({
        kind: 'tmu',
        sourceRunIds: [3, 4],
        layers: 2,
        tmuLayers: '1, 2',
        gate: 'softmax',
        rescaleMemory: true,
        cell: 'predrnn',
        transferM: true,
        learningRate: 5e-4,
        lrSchedule: 'step',
        lrStepEvery: 500,
        lrStepFactor: 0.5,
        reverseInput: false,
        backend: 'onednn',
        distillWeight: 0.3,
      }),
      dataset,
    ).input!
    const run = makeRun({
      name: 'TMU ← 2 sources',
      kind: 'tmu',
      status: 'failed',
      datasetId: 7,
      sourceRunIds: [3, 4],
      config: RunConfig.parse(original.config),
    })
    const clone = validateRunForm({ ...defaultRunForm(), ...formFromRun(run) }, dataset).input
    expect(clone).toEqual({
      ...original,
      name: 'TMU ← 2 sources (copy)',
      experimentId: run.experimentId,
    })
  })
})
