import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { RunConfig, TmuOptions } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { elementCount } from '../ml/checkpoint/tensors'
import {
  microConfig,
  setUpTinyRuns,
  untilStatus,
  workbenchesPerTest,
} from '../testing/test-workbench'

const { workbench, track } = workbenchesPerTest()

const tinyConfig = RunConfig.parse({
  model: { hidden: [4], kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 },
  train: {
    inputFrames: 3,
    outputFrames: 3,
    batchSize: 4,
    iterations: 4,
    evalEvery: 2,
    checkpointEvery: 2,
    learningRate: 0.01,
  },
  backend: 'cpu',
  validationClips: 4,
})

async function setUp(wb: Workbench) {
  const dataset = await wb.call('datasets.generate', {
    name: 'tiny digits',
    canvasSize: 32,
    digitSize: 16,
    clipLength: 6,
    digitsPerClip: 1,
    trainClips: 12,
    valClips: 4,
    testClips: 4,
  })
  const experiment = await wb.call('experiments.create', { name: 'transfer' })
  return { dataset, experiment }
}

describe('runs', () => {
  it('trains a queued run to completion in a trainer process and files its results', async () => {
    const wb = workbench()
    const { dataset, experiment } = await setUp(wb)
    const progress: number[] = []
    wb.onEvent((event, payload) => {
      if (event === 'runs.progress') progress.push((payload as { iteration: number }).iteration)
    })
    const run = await wb.call('runs.create', {
      experimentId: experiment.id,
      name: 'scratch',
      kind: 'scratch',
      datasetId: dataset.id,
      config: tinyConfig,
    })
    expect(['queued', 'running']).toContain(run.status)
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')

    const done = await wb.call('runs.get', { id: run.id })
    expect(done).toMatchObject({
      backend: 'cpu',
      iteration: 4,
      datasetName: 'tiny digits',
      error: null,
    })
    expect(done.test?.mse).toBeGreaterThan(0)
    // Its size is the checkpoint's own count; its speed, the test rollouts' time per clip.
    const { latest } = loadLatestCheckpoint(join(wb.paths.runs, String(run.id)))
    const saved = Object.values(latest!.checkpoint.weights)
    expect(done.footprint.parameters).toBe(saved.reduce((n, t) => n + elementCount(t.shape), 0))
    expect(done.footprint.gflopPerClip).toBeGreaterThan(0)
    expect(done.test?.inference?.frames).toBe(3)
    expect(done.test?.inference?.secondsPerClip).toBeGreaterThan(0)
    expect(progress.at(-1)).toBe(4)
    const metrics = await wb.call('runs.metrics', { id: run.id })
    expect(metrics['train/loss']?.map(([i]) => i)).toEqual([1, 2, 3, 4])
    expect(metrics['val/mse']?.map(([i]) => i)).toEqual([2])
    const evaluation = await wb.call('runs.evaluation', { id: run.id })
    expect(evaluation?.mse).toHaveLength(3)
    expect(evaluation?.perClip).toHaveLength(4)
    const prediction = await wb.call('runs.prediction', { id: run.id, clip: 2 })
    expect(prediction.shape).toEqual([3, 32, 32, 1])
    expect(Buffer.from(prediction.framesBase64, 'base64').byteLength).toBe(3 * 32 * 32)

    // The log outlives the window that watched it, and archiving keeps the run whole.
    const logs = await wb.call('runs.logs', { id: run.id })
    expect(logs[0]?.text).toMatch(/^training on cpu/)
    expect(logs.at(-1)).toMatchObject({ runId: run.id, level: 'info', text: 'completed' })
    expect((await wb.call('runs.update', { id: run.id, archived: true })).archived).toBe(true)

    // Finetuning starts from the scratch run's checkpoint.
    const finetune = await wb.call('runs.create', {
      experimentId: experiment.id,
      name: 'finetune',
      kind: 'finetune',
      datasetId: dataset.id,
      config: tinyConfig,
      sourceRunIds: [run.id],
    })
    expect(await untilStatus(wb, finetune.id, ['completed', 'failed'])).toBe('completed')
    await expect(wb.call('runs.delete', { id: run.id })).rejects.toMatchObject({ code: 'conflict' })
    await expect(wb.call('datasets.delete', { id: dataset.id })).rejects.toMatchObject({
      message: expect.stringMatching(/used by 2 run/),
    })
  })

  it('refuses a run whose dataset does not fit, naming the mismatch', async () => {
    const wb = workbench()
    const { dataset, experiment } = await setUp(wb)
    const config = RunConfig.parse({
      ...tinyConfig,
      model: { ...tinyConfig.model, imageHeight: 64, imageWidth: 64 },
    })
    await expect(
      wb.call('runs.create', {
        experimentId: experiment.id,
        name: 'x',
        kind: 'scratch',
        datasetId: dataset.id,
        config,
      }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message:
        'dataset "tiny digits" does not fit this run: its frames are 32×32, the model expects 64×64',
    })
  })

  it('refuses, in words and before filing, a network that could not be built', async () => {
    const wb = workbench()
    const { dataset, experiment } = await setUp(wb)
    const file = (model: Partial<RunConfig['model']>) =>
      wb.call('runs.create', {
        experimentId: experiment.id,
        name: 'x',
        kind: 'scratch',
        datasetId: dataset.id,
        config: RunConfig.parse({ ...tinyConfig, model: { ...tinyConfig.model, ...model } }),
      })
    await expect(file({ cell: 'predrnnpp', hidden: [8] })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining(
        'PredRNN++ puts its gradient highway between layers 1 and 2',
      ),
    })
    await expect(file({ cell: 'mim', hidden: [8] })).rejects.toMatchObject({
      message: expect.stringContaining('MIM starts its memory-in-memory blocks at layer 2'),
    })
    await expect(
      file({ cell: 'mau', hidden: [8], mau: { srSize: 3, tau: 5 } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('srSize must be a power of 2, got 3'),
    })
    await expect(
      file({ cell: 'mau', hidden: [8], mau: { srSize: 16, tau: 5 } }),
    ).rejects.toMatchObject({
      message: expect.stringContaining("MAU's 8×8 patched grid does not reduce by srSize 16"),
    })
    await expect(file({ cell: 'mau', hidden: [8, 4] })).rejects.toMatchObject({
      message: expect.stringContaining('its layers need one width; hidden is 8, 4'),
    })
    await expect(file({ cell: 'e3d', hidden: [8, 4] })).rejects.toMatchObject({
      message: expect.stringContaining(
        'E3D-LSTM (eidetic 3-D LSTM) passes its memory M through its layers, so they need one width',
      ),
    })
    await expect(file({ patchSize: 5 })).rejects.toMatchObject({
      message: expect.stringContaining('32×32 frames do not split into 5×5 patches'),
    })
    await expect(file({ cell: 'predrnnv2', hidden: [8, 4] })).rejects.toMatchObject({
      message: expect.stringContaining(
        'PredRNN-V2 (ST-LSTM, decoupled memories) passes its memory M through its layers, so they need one width; hidden is 8, 4',
      ),
    })
    for (const cell of ['convlstm', 'mau'] as const) {
      await expect(
        file({ cell, tmu: TmuOptions.parse({ sources: 1, transferM: true }) }),
      ).rejects.toMatchObject({
        message: expect.stringContaining(
          'network, which has no spatiotemporal memory M to transfer (tmu.transferM needs PredRNN (ST-LSTM),',
        ),
      })
    }
    await expect(
      file({ cell: 'simvp', tmu: TmuOptions.parse({ sources: 1 }) }),
    ).rejects.toMatchObject({
      message: expect.stringMatching(
        /SimVP \(gSTA translator\) reads whole frames: patchSize must be 1.*SimVP \(gSTA translator\) holds no memory state, so it cannot be a TMU target.*scheduled sampling does not apply/,
      ),
    })
    expect(await wb.call('runs.list', {})).toEqual([])
  })

  it('lets one process run jobs per workspace; others read without touching them', async () => {
    const wb = workbench()
    const options = {
      workspace: wb.paths.root,
      transport: 'in-process' as const,
      probeBackends: async () => [],
    }
    expect(() => createWorkbench({ ...options, builtinDataset: false })).toThrow(
      /is in use: this workspace's runs are handled by another workbench process \(a tmu command, pid \d+\)/,
    )
    const reader = createWorkbench({ ...options, builtinDataset: false, runJobs: false })
    track(reader)
    expect(await reader.call('runs.list', {})).toEqual([])
  })

  it('marks runs left running by a dead process as interrupted when the workspace reopens', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-recover-'))
    const first = createWorkbench({
      workspace: root,
      transport: 'in-process',
      probeBackends: async () => [],
      builtinDataset: false,
    })
    const { dataset, experiment } = await setUp(first)
    const run = await first.call('runs.create', {
      experimentId: experiment.id,
      name: 'long',
      kind: 'scratch',
      datasetId: dataset.id,
      config: tinyConfig,
      // No trainer: a live one would go on writing to the database this test closes.
      start: false,
    })
    // Simulate the workbench dying: the database says running, but no process is left.
    first.db.prepare("UPDATE runs SET status = 'running' WHERE id = ?").run(run.id)
    first.db
      .prepare(
        "INSERT INTO jobs (run_id, kind, state, position, created_at) VALUES (?, 'train', 'running', 1, ?)",
      )
      .run(run.id, new Date().toISOString())
    first.db.close()
    // …and its job-runner lock is left behind, as a dead process's would be.
    rmSync(join(root, 'job-runner.lock'))

    const second = createWorkbench({
      workspace: root,
      transport: 'in-process',
      probeBackends: async () => [],
      builtinDataset: false,
    })
    track(second)
    const recovered = await second.call('runs.get', { id: run.id })
    expect(recovered.status).toBe('interrupted')
    expect(recovered.error).toMatch(/resume continues from its last checkpoint/)
  })
})

describe('runs.restart', () => {
  it('trains a failed run again on the backend named, recording it with the run', async () => {
    const wb = workbench()
    const { dataset, experiment } = await setUpTinyRuns(wb)
    // A real failure: a learning rate no network survives makes the loss overflow at step 2.
    const run = await wb.call('runs.create', {
      experimentId: experiment.id,
      name: 'diverges',
      kind: 'scratch',
      datasetId: dataset.id,
      config: microConfig({ learningRate: 1e30 }),
    })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('failed')
    expect((await wb.call('runs.get', { id: run.id })).error).toMatch(
      /^training loss became \S+ at iteration 2 on cpu; stopped\. No checkpoint was written yet\. Try a lower learning rate \(it is 1e\+30\)/,
    )

    const restarted = await wb.call('runs.restart', { id: run.id, backend: 'wasm' })
    expect(restarted.config.backend).toBe('wasm')
    expect(['queued', 'running']).toContain(restarted.status)
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('failed')
    const after = await wb.call('runs.get', { id: run.id })
    expect(after).toMatchObject({ backend: 'wasm', config: { backend: 'wasm' } })
    expect(after.error).toMatch(/at iteration 2 on wasm; stopped/)
    const logs = (await wb.call('runs.logs', { id: run.id })).map((l) => l.text)
    expect(logs).toContain('restarting on wasm (it ran on cpu), from the start')
  })

  it('trains a cancelled run on the new backend to completion, and refuses other statuses', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('never started', {}, false)
    expect(run.status).toBe('cancelled')
    await wb.call('runs.restart', { id: run.id, backend: 'wasm' })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    expect(await wb.call('runs.get', { id: run.id })).toMatchObject({
      backend: 'wasm',
      config: { backend: 'wasm' },
      iteration: 4,
    })
    await expect(wb.call('runs.restart', { id: run.id, backend: 'cpu' })).rejects.toMatchObject({
      code: 'conflict',
      message:
        'run "never started" is completed; only a failed, cancelled or interrupted run can be restarted on another backend',
    })
  })
})
