import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NewPrediction } from '../api/contract'
import { createWorkbench } from '../api/create-workbench'
import { encodeNpy, parseNpyHeader } from '../data/npy'
import { setUpTinyRuns, untilStatus } from '../testing/test-workbench'

const bytesOf = (frames: { framesBase64: string }) =>
  new Uint8Array(Buffer.from(frames.framesBase64, 'base64'))

/** A workbench that may read files under the temp folder, with one trained 16×16 run. */
async function trainedRun() {
  const wb = createWorkbench({
    workspace: mkdtempSync(join(tmpdir(), 'tmu-predict-')),
    transport: 'in-process',
    probeBackends: async () => [],
    builtinDataset: false,
    importRoots: [tmpdir()],
  })
  const { dataset, create } = await setUpTinyRuns(wb)
  const run = await create('predictor')
  expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
  return { wb, dataset, run: await wb.call('runs.get', { id: run.id }), create }
}

let setup: Awaited<ReturnType<typeof trainedRun>>
const files = mkdtempSync(join(tmpdir(), 'tmu-predict-files-'))

beforeAll(async () => {
  setup = await trainedRun()
}, 60_000)
afterAll(() => setup.wb.close())

describe('predicting on data a run has not seen', () => {
  let fromClip: NewPrediction

  it('rolls a dataset clip out past the trained horizon, as the test evaluation does', async () => {
    const { dataset, run } = setup
    const { inputFrames, outputFrames } = run.config.train
    fromClip = await setup.wb.call('runs.predict', {
      id: run.id,
      source: { kind: 'clip', datasetId: dataset.id, split: 'test', clip: 0 },
      horizon: 3 * outputFrames,
    })
    expect(fromClip).toMatchObject({
      source: 'micro digits · test clip 0',
      inputFrames,
      horizon: 3 * outputFrames,
      trainedFrames: outputFrames,
      iteration: run.config.train.iterations,
      backend: 'cpu',
    })
    expect(fromClip.prediction.shape).toEqual([3 * outputFrames, 16, 16, 1])
    // The 4-frame clip holds the context and 2 frames of truth, not the 6 predicted.
    expect(fromClip.truth?.shape).toEqual([2, 16, 16, 1])
    // Over the trained lead times it is the run's own test prediction of that clip.
    const saved = await setup.wb.call('runs.prediction', { id: run.id, clip: 0 })
    const trained = bytesOf(fromClip.prediction).subarray(0, outputFrames * 256)
    const differences = trained.map((v, i) => Math.abs(v - bytesOf(saved)[i]!))
    expect(Math.max(...differences)).toBeLessThanOrEqual(1)
    // Past the horizon the rollout goes on: not a copy of its last trained frame.
    expect(bytesOf(fromClip.prediction).subarray(outputFrames * 256)).not.toEqual(
      trained.subarray((outputFrames - 1) * 256),
    )
  })

  it('saves the context, truth and prediction as one-clip .npy files it can read back', async () => {
    const { run } = setup
    const npy = readFileSync(join(fromClip.folder, 'prediction.npy'))
    expect(parseNpyHeader(npy.subarray(0, 128), 'prediction.npy')).toMatchObject({
      dtype: 'uint8',
      shape: fromClip.prediction.shape,
    })
    expect(existsSync(join(fromClip.folder, 'truth.npy'))).toBe(true)
    expect(JSON.parse(readFileSync(join(fromClip.folder, 'prediction.json'), 'utf8'))).toEqual({
      source: fromClip.source,
      inputFrames: 2,
      horizon: 6,
      trainedFrames: 2,
      iteration: 4,
      backend: 'cpu',
    })
    // A saved file is a clip to predict from: the context alone, read as [T, H, W, C].
    const again = await setup.wb.call('runs.predict', {
      id: run.id,
      source: { kind: 'file', path: join(fromClip.folder, 'context.npy') },
    })
    expect(again).toMatchObject({ source: 'context.npy', truth: null, horizon: 2 })
    expect(bytesOf(again.prediction)).toEqual(bytesOf(fromClip.prediction).subarray(0, 2 * 256))
  })

  it('reads a folder of frames at the run’s size and in its channels', async () => {
    // 32×32 colour frames for a 16×16 greyscale run: resized and converted as an import is.
    const folder = join(files, 'frames')
    mkdirSync(folder)
    for (let t = 0; t < 5; t++) {
      const png = new PNG({ width: 32, height: 32 })
      png.data.fill(0)
      for (let y = 8; y < 24; y++) {
        for (let x = 4 * t; x < 4 * t + 8; x++)
          png.data.fill(255, (y * 32 + x) * 4, (y * 32 + x) * 4 + 4)
      }
      writeFileSync(join(folder, `frame-${t}.png`), PNG.sync.write(png))
    }
    const result = await setup.wb.call('runs.predict', {
      id: setup.run.id,
      source: { kind: 'file', path: folder },
      horizon: 3,
    })
    expect(result.context.shape).toEqual([2, 16, 16, 1])
    expect(result.truth?.shape).toEqual([3, 16, 16, 1])
    expect(result.prediction.shape).toEqual([3, 16, 16, 1])
  })

  it('names the file and what it lacks when it cannot be a context', async () => {
    const short = join(files, 'one-frame.npy')
    writeFileSync(short, encodeNpy(new Uint8Array(16 * 16), [1, 16, 16]))
    await expect(
      setup.wb.call('runs.predict', { id: setup.run.id, source: { kind: 'file', path: short } }),
    ).rejects.toThrow(/one-frame\.npy/)
    await expect(
      setup.wb.call('runs.predict', {
        id: setup.run.id,
        source: { kind: 'file', path: join(files, 'missing.npy') },
      }),
    ).rejects.toThrow(/missing\.npy/)
  })

  it('refuses a run with no checkpoint, in words', async () => {
    const idle = await setup.create('never trained', {}, false)
    await expect(
      setup.wb.call('runs.predict', {
        id: idle.id,
        source: { kind: 'clip', datasetId: setup.dataset.id, split: 'test', clip: 0 },
      }),
    ).rejects.toThrow(/"never trained" cannot predict: .*no readable checkpoint/)
  })
})
