import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { RunConfig, type Input } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'

/** A workbench on a temp workspace (or `root`), without the built-in dataset or backend probe. */
export function openTestWorkbench(root?: string, concurrency = 1): Workbench {
  return createWorkbench({
    workspace: root ?? mkdtempSync(join(tmpdir(), 'tmu-runs-')),
    transport: 'in-process',
    probeBackends: async () => [],
    builtinDataset: false,
    concurrency,
  })
}

/**
 * The workbenches a test file opens, each closed after its test (trainers stopped first):
 * `workbench(root?)` opens one on a temp workspace, `track(wb)` adopts one opened otherwise.
 */
export function workbenchesPerTest() {
  const open: Workbench[] = []
  afterEach(async () => {
    for (const wb of open.splice(0)) await wb.close()
  })
  const track = (wb: Workbench): Workbench => {
    open.push(wb)
    return wb
  }
  return { workbench: (root?: string) => track(openTestWorkbench(root)), track }
}

/** Resolves with the run's status once it is one of `statuses`. */
export function untilStatus(wb: Workbench, id: number, statuses: string[]): Promise<string> {
  return new Promise((resolve) => {
    const check = async () => {
      const run = await wb.call('runs.get', { id })
      if (statuses.includes(run.status)) {
        stop()
        resolve(run.status)
      }
    }
    const stop = wb.onEvent((event, payload) => {
      if (event === 'runs.changed' && (payload as { id: number }).id === id) void check()
    })
    void check()
  })
}

/** A 16×16, 4-frame Flying Digits set and an experiment: what the fastest runs train on. */
export async function setUpTinyRuns(wb: Workbench) {
  const dataset = await wb.call('datasets.generate', {
    name: 'micro digits',
    canvasSize: 16,
    digitSize: 8,
    clipLength: 4,
    digitsPerClip: 1,
    trainClips: 8,
    valClips: 2,
    testClips: 2,
  })
  const experiment = await wb.call('experiments.create', { name: 'jobs' })
  const create = (name: string, train: Partial<RunConfig['train']> = {}, start = true) =>
    wb.call('runs.create', {
      experimentId: experiment.id,
      name,
      kind: 'scratch',
      datasetId: dataset.id,
      config: microConfig(train),
      start,
    } satisfies Input<'runs.create'>)
  return { dataset, experiment, create }
}

/** Milliseconds per iteration on the cpu backend; a trainer's start (~2 s) dominates. */
export function microConfig(train: Partial<RunConfig['train']> = {}): RunConfig {
  return RunConfig.parse({
    model: { hidden: [2], kernelSize: 3, patchSize: 4, imageHeight: 16, imageWidth: 16 },
    train: {
      inputFrames: 2,
      outputFrames: 2,
      batchSize: 2,
      iterations: 4,
      evalEvery: 2,
      checkpointEvery: 2,
      learningRate: 0.01,
      reverseInput: false,
      seed: 5,
      ...train,
    },
    backend: 'cpu',
    validationClips: 2,
    testClips: 1,
  })
}

/** Resolves with the first `runs.log` line of the run whose text matches `pattern`. */
export function untilLog(wb: Workbench, runId: number, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const stop = wb.onEvent((event, payload) => {
      if (event !== 'runs.log') return
      const line = payload as { runId: number; text: string }
      if (line.runId === runId && pattern.test(line.text)) {
        stop()
        resolve(line.text)
      }
    })
  })
}
