import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, RunConfig, type Run } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { exportPytorchSafetensors } from '../ml/checkpoint/pytorch-interchange'

let wb: Workbench
let source: Run

const tiny = RunConfig.parse({
  model: { hidden: [4, 4], kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 },
  train: {
    inputFrames: 3,
    outputFrames: 3,
    batchSize: 4,
    iterations: 2,
    evalEvery: 100,
    checkpointEvery: 100,
  },
  backend: 'cpu',
  validationClips: 4,
})

beforeAll(async () => {
  wb = createWorkbench({
    workspace: mkdtempSync(join(tmpdir(), 'tmu-zoo-')),
    transport: 'in-process',
    probeBackends: async () => [],
    builtinDataset: false,
    importRoots: [tmpdir()],
  })
  const dataset = await wb.call('datasets.generate', {
    name: 'digits',
    canvasSize: 32,
    digitSize: 16,
    clipLength: 6,
    trainClips: 8,
    valClips: 0,
    testClips: 4,
  })
  const experiment = await wb.call('experiments.create', { name: 'zoo' })
  const created = await wb.call('runs.create', {
    experimentId: experiment.id,
    name: 'digits source',
    kind: 'source',
    datasetId: dataset.id,
    config: tiny,
  })
  source = await new Promise<Run>((resolve) => {
    const stop = wb.onEvent(async (event) => {
      if (event !== 'runs.changed') return
      const run = await wb.call('runs.get', { id: created.id })
      if (run.status === 'completed' || run.status === 'failed') {
        stop()
        resolve(run)
      }
    })
  })
})

afterAll(() => wb.close())

function finished(id: number): Promise<Run> {
  return new Promise<Run>((resolve) => {
    const check = async () => {
      const run = await wb.call('runs.get', { id })
      if (['completed', 'failed'].includes(run.status)) {
        stop()
        resolve(run)
      }
    }
    const stop = wb.onEvent((event) => {
      if (event === 'runs.changed') void check()
    })
    void check()
  })
}

describe('the zoo', () => {
  it('admits a completed run under a name, with its provenance', async () => {
    expect(source.status).toBe('completed')
    const member = await wb.call('zoo.add', { runId: source.id, name: '1-digit ConvLSTM' })
    expect(member).toMatchObject({
      name: '1-digit ConvLSTM',
      run: { id: source.id, datasetName: 'digits', backend: 'cpu' },
    })
    expect((await wb.call('zoo.list', {})).map((m) => m.name)).toEqual(['1-digit ConvLSTM'])
    await expect(wb.call('zoo.add', { runId: source.id, name: 'again' })).rejects.toMatchObject({
      code: 'conflict',
    })
    await expect(wb.call('runs.delete', { id: source.id })).rejects.toMatchObject({
      message: expect.stringMatching(/remove it from the zoo first/),
    })
  })

  it('trains a TMU target on the source, evaluates it without the source and shows its gates', async () => {
    const config = RunConfig.parse({ ...tiny, model: { ...tiny.model, tmu: { sources: 1 } } })
    const created = await wb.call('runs.create', {
      experimentId: source.experimentId,
      name: 'tmu target',
      kind: 'tmu',
      datasetId: source.datasetId!,
      config,
      sourceRunIds: [source.id],
    })
    const run = await finished(created.id)
    expect(run).toMatchObject({ status: 'completed', error: null, sourceRunIds: [source.id] })
    const metrics = await wb.call('runs.metrics', { id: run.id })
    expect(metrics['tmu/gate/L1/m1']?.map(([i]) => i)).toEqual([1, 2])
    const gate = metrics['tmu/gate/L1/m1']![0]![1]!
    expect(gate).toBeGreaterThan(0)
    expect(gate).toBeLessThan(1)
    const gates = await wb.call('runs.gates', { id: run.id, clip: 1 })
    expect(gates).toMatchObject({ clip: 1, layers: [1], sources: ['1-digit ConvLSTM'] })
    expect(gates.gateMean[0]![0]).toHaveLength(5)

    // Evaluating again loads the target alone: the source is not needed for inference.
    await wb.call('runs.evaluate', { id: run.id })
    expect((await finished(run.id)).status).toBe('completed')
  })

  it('refuses a TMU target whose sources do not fit, with the reason', async () => {
    const config = RunConfig.parse({
      ...tiny,
      model: { ...tiny.model, hidden: [8, 8], tmu: { sources: 1 } },
    })
    await expect(
      wb.call('runs.create', {
        experimentId: source.experimentId,
        name: 'bad target',
        kind: 'tmu',
        datasetId: source.datasetId!,
        config,
        sourceRunIds: [source.id],
      }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/hidden \[4,4\]/),
    })
  })

  it('imports a PyTorch-layout safetensors file as a source model, refusing a mismatch', async () => {
    const { latest } = loadLatestCheckpoint(join(wb.paths.runs, String(source.id)))
    const file = join(mkdtempSync(join(tmpdir(), 'tmu-export-')), 'digits.safetensors')
    exportPytorchSafetensors(file, latest!.checkpoint.weights)

    const imported = await wb.call('zoo.import', {
      name: 'from pytorch',
      path: file,
      model: tiny.model,
    })
    expect(imported.run).toMatchObject({
      kind: 'source',
      status: 'completed',
      backend: 'imported',
      datasetId: null,
    })
    // It has no test split: evaluating it is refused, and it stays a completed zoo member.
    await expect(wb.call('runs.evaluate', { id: imported.run.id })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/imported without a dataset/),
    })
    expect((await wb.call('runs.get', { id: imported.run.id })).status).toBe('completed')
    const fits = ModelConfig.parse({ ...tiny.model, tmu: { sources: 2 } })
    expect(
      await wb.call('zoo.check', { model: fits, sourceRunIds: [source.id, imported.run.id] }),
    ).toEqual({
      ok: true,
      problems: [],
    })

    const wider = { ...tiny.model, hidden: [8, 8] }
    await expect(
      wb.call('zoo.import', { name: 'too wide', path: file, model: wider }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(
        /^digits\.safetensors does not fit a convlstm 8×8: cell_list\.0\.conv\.0\.weight is \[3,3,20,16\], the model has \[3,3,24,32\]/,
      ),
    })
    expect((await wb.call('zoo.list', {})).map((m) => m.name)).not.toContain('too wide')
  })

  it('checks sources against a TMU target and names every mismatch', async () => {
    const fits = ModelConfig.parse({ ...tiny.model, tmu: { sources: 1 } })
    expect(await wb.call('zoo.check', { model: fits, sourceRunIds: [source.id] })).toEqual({
      ok: true,
      problems: [],
    })
    const wider = ModelConfig.parse({ ...tiny.model, hidden: [8, 8], tmu: { sources: 1 } })
    const check = await wb.call('zoo.check', { model: wider, sourceRunIds: [source.id] })
    expect(check.ok).toBe(false)
    expect(check.problems.join('; ')).toMatch(/source "1-digit ConvLSTM" has hidden \[4,4\]/)
  })
})
