import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { RunConfig, type Dataset, type Run } from '../api/contract'
import { mauOptionsOf } from '../domain/model'
import { parameterCount } from '../ml/parameter-shapes'
import { addTrainOptions, runConfigOf, sourceRefs, type TrainOptions } from './train-options'

/** What `tmu train <args>` parses to, through the command's real option definitions. */
function parse(...args: string[]): TrainOptions {
  const command = addTrainOptions(
    new Command().exitOverride().configureOutput({ writeErr: () => undefined }),
  )
  command.parse(args, { from: 'user' })
  return command.opts<TrainOptions>()
}

const dataset = { shape: { T: 20, H: 64, W: 64, C: 1 } } as Dataset

function source(id: number, model: object): Run {
  const config = RunConfig.parse({ model, train: {} })
  return { id, name: `source ${id}`, config } as Run
}

describe('tmu train options', () => {
  it.each([
    [['--preset', 'quick'], false],
    [['--preset', 'paper'], true],
    [['--preset', 'quick', '--reverse'], true],
    [['--preset', 'paper', '--no-reverse'], false],
  ])('%j trains reversed: %s (the preset decides unless told)', (args, reversed) => {
    expect(runConfigOf(parse(...args), dataset).train.reverseInput).toBe(reversed)
  })

  it('takes a PredRNN++ preset as OpenSTL configures it, and --cell predrnnpp on any preset', () => {
    const openstl = runConfigOf(parse('--preset', 'predrnnpp-openstl'), dataset)
    expect(openstl.model).toMatchObject({
      cell: 'predrnnpp',
      hidden: [128, 128, 128, 128],
      kernelSize: 5,
      patchSize: 4,
      layerNorm: false,
    })
    expect(openstl.train).toMatchObject({ batchSize: 16, learningRate: 1e-3, etaDecay: 2e-5 })
    expect(runConfigOf(parse('--preset', 'predrnnpp-quick'), dataset).model.hidden).toEqual([
      16, 16,
    ])
    expect(runConfigOf(parse('--cell', 'predrnnpp'), dataset).model.cell).toBe('predrnnpp')
    const mim = runConfigOf(parse('--preset', 'mim-openstl'), dataset)
    expect(mim.model).toMatchObject({ cell: 'mim', hidden: [128, 128, 128, 128], kernelSize: 5 })
    expect(mim.train).toMatchObject({ batchSize: 16, learningRate: 1e-3, sampling: 'standard' })
    expect(() => parse('--cell', 'predrnn++')).toThrow(
      /convlstm, predrnn, predrnnpp, predrnnv2, mim/,
    )
  })

  it('builds MAU at OpenSTL’s Moving MNIST configuration from its preset: 4.5 M parameters', () => {
    const mau = runConfigOf(parse('--preset', 'mau-openstl'), dataset)
    expect(mau.model).toMatchObject({ cell: 'mau', hidden: [64, 64, 64, 64], patchSize: 1 })
    expect(mauOptionsOf(mau.model)).toEqual({ srSize: 4, tau: 5 })
    expect(Math.round(parameterCount(mau.model) / 1e5) / 10).toBe(4.5)
    expect(mau.train).toMatchObject({ batchSize: 16, learningRate: 1e-3, etaDecay: 2e-5 })
    expect(runConfigOf(parse('--preset', 'mau-quick'), dataset).model.cell).toBe('mau')
  })

  it('builds E3D-LSTM at OpenSTL’s Moving MNIST configuration and at laptop scale', () => {
    const e3d = runConfigOf(parse('--preset', 'e3d-openstl'), dataset)
    expect(e3d.model).toMatchObject({ cell: 'e3d', hidden: [128, 128, 128, 128], patchSize: 4 })
    expect(parameterCount(e3d.model)).toBe(51_347_456)
    expect(e3d.train).toMatchObject({ batchSize: 16, learningRate: 1e-4, etaDecay: 2e-5 })
    const quick = runConfigOf(parse('--preset', 'e3d-quick'), dataset)
    expect(quick.model).toMatchObject({ cell: 'e3d', hidden: [16, 16], patchSize: 8 })
    expect(quick.train.iterations).toBe(100)
  })

  it('trains PredRNN-V2 with reverse sampling: OpenSTL’s ramp in its preset, scaled elsewhere', () => {
    const openstl = runConfigOf(parse('--preset', 'predrnnv2-openstl'), dataset)
    expect(openstl.model).toMatchObject({ cell: 'predrnnv2', hidden: [128, 128, 128, 128] })
    expect(openstl.train).toMatchObject({
      sampling: 'reverse',
      reverseSamplingStart: 25_000,
      reverseSamplingEnd: 50_000,
      reverseSamplingAlpha: 5_000,
      decoupleWeight: 0.1,
      learningRate: 5e-4,
    })
    // --cell predrnnv2 on the quick preset: reverse too, its ramp at the release's 5/16 … 5/8.
    const quick = runConfigOf(parse('--cell', 'predrnnv2', '--iterations', '160'), dataset)
    expect(quick.train).toMatchObject({
      sampling: 'reverse',
      reverseSamplingStart: 50,
      reverseSamplingEnd: 100,
    })
    const standard = parse(
      '--cell',
      'predrnnv2',
      '--sampling',
      'standard',
      '--decouple-weight',
      '0.3',
    )
    expect(runConfigOf(standard, dataset).train).toMatchObject({
      sampling: 'standard',
      decoupleWeight: 0.3,
    })
    expect(() => runConfigOf(parse('--decouple-weight', '0.3'), dataset)).toThrow(
      /--decouple-weight: only a PredRNN-V2 network/,
    )
  })

  it("takes TAU's presets with α·DDR, --ddr-weight on SimVP and TAU only", () => {
    const tau = runConfigOf(parse('--preset', 'tau-openstl'), dataset)
    expect(tau.model.cell).toBe('tau')
    expect(tau.train).toMatchObject({ ddrWeight: 0.1, batchSize: 16, learningRate: 1e-3 })
    expect(parameterCount(tau.model)).toBeGreaterThan(44e6)
    const simvp = runConfigOf(parse('--preset', 'simvp-quick', '--ddr-weight', '0.2'), dataset)
    expect(simvp.train.ddrWeight).toBe(0.2)
    expect(runConfigOf(parse('--preset', 'simvp-quick'), dataset).train.ddrWeight).toBe(0)
    expect(() => runConfigOf(parse('--ddr-weight', '0.1'), dataset)).toThrow(
      /--ddr-weight: only a SimVP or TAU network/,
    )
  })

  it('records a TMU target as the New run form does: M from the sources, options as given', () => {
    const opts = parse(
      ...['--kind', 'tmu', '--sources', 'a,b', '--tmu-layers', '1,2', '--lambda', '0.5'],
      ...['--gate', 'softmax', '--rescale-memory', '--source-input', 'truth'],
    )
    const sources = [source(1, { hidden: [16, 16] }), source(2, { hidden: [16, 16] })]
    expect(sourceRefs(opts)).toEqual(['a', 'b'])
    const config = runConfigOf(opts, dataset, sources)
    expect(config.model.tmu).toEqual({
      sources: 2,
      layers: [1, 2],
      gate: 'softmax',
      rescaleMemory: true,
      // From random weights unless asked: the release's choice (docs/method.md).
      initFromSource: null,
      transferM: false,
    })
    expect(config.train).toMatchObject({ distillWeight: 0.5, sourceInput: 'truth' })
  })

  it('records --transfer-m on a TMU target, and refuses it elsewhere', () => {
    const opts = parse('--kind', 'tmu', '--sources', 'a', '--cell', 'predrnn', '--transfer-m')
    const config = runConfigOf(opts, dataset, [source(1, { cell: 'predrnn', hidden: [16, 16] })])
    expect(config.model.cell).toBe('predrnn')
    expect(config.model.tmu?.transferM).toBe(true)
    expect(() => runConfigOf(parse('--cell', 'predrnn', '--transfer-m'), dataset)).toThrow(
      '--transfer-m: only a TMU target (--kind tmu) takes these',
    )
  })

  it('gives a TMU target the defaults: layer 1, sigmoid gates, λ = 0.1, the mask', () => {
    const config = runConfigOf(parse('--kind', 'tmu', '--sources', '3'), dataset, [
      source(3, { hidden: [16, 16] }),
    ])
    expect(config.model.tmu).toEqual({
      sources: 1,
      layers: [1],
      gate: 'sigmoid',
      rescaleMemory: false,
      initFromSource: null,
      transferM: false,
    })
    expect(config.train).toMatchObject({ distillWeight: 0.1, sourceInput: 'mask' })
  })

  it("starts a finetune from its one source's architecture", () => {
    const from = source(4, { cell: 'predrnn', hidden: [8, 8, 8], kernelSize: 3, layerNorm: true })
    const config = runConfigOf(parse('--kind', 'finetune', '--sources', '4'), dataset, [from])
    expect(config.model).toMatchObject({
      cell: 'predrnn',
      hidden: [8, 8, 8],
      kernelSize: 3,
      layerNorm: true,
    })
    expect(config.model.tmu).toBeUndefined()
  })

  it('takes a learning-rate schedule, constant unless told', () => {
    expect(runConfigOf(parse(), dataset).train.lrSchedule).toBe('constant')
    const stepped = parse(
      '--lr-schedule',
      'step',
      '--lr-step-every',
      '500',
      '--lr-step-factor',
      '0.5',
    )
    expect(runConfigOf(stepped, dataset).train).toMatchObject({
      lrSchedule: 'step',
      lrStepEvery: 500,
      lrStepFactor: 0.5,
    })
    expect(() => parse('--lr-schedule', 'linear')).toThrow(
      /Allowed choices are constant, step, cosine/,
    )
  })

  it('refuses what does not make a run, naming the option', () => {
    expect(() => sourceRefs(parse('--kind', 'finetune', '--sources', 'a,b'))).toThrow(
      '--sources: a finetune starts from exactly one source, got 2',
    )
    expect(() => sourceRefs(parse('--kind', 'tmu'))).toThrow(/a TMU target needs at least one/)
    expect(() => sourceRefs(parse('--sources', 'a'))).toThrow(
      '--sources: a scratch run takes no sources',
    )
    expect(() => runConfigOf(parse('--lambda', '1', '--gate', 'softmax'), dataset)).toThrow(
      '--lambda, --gate: only a TMU target (--kind tmu) takes these',
    )
    const one = [source(1, { hidden: [16, 16] })]
    expect(() =>
      runConfigOf(parse('--kind', 'tmu', '--sources', '1', '--tmu-layers', '3'), dataset, one),
    ).toThrow('--tmu-layers: the model has layers 1 to 2, not 3')
    expect(() =>
      runConfigOf(parse('--kind', 'finetune', '--sources', '1', '--hidden', '8'), dataset, one),
    ).toThrow("--hidden: a finetune takes its source's architecture")
    expect(() => parse('--kind', 'transfer')).toThrow(
      /Allowed choices are source, scratch, finetune, tmu/,
    )
  })
})
