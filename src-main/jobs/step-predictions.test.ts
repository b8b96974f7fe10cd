import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { setUpTinyRuns, untilStatus, workbenchesPerTest } from '../testing/test-workbench'
import { stepPredictionFiles, type PredictionsIndex } from './prediction-files'
import { forgetStepPredictionsAfter, readStepIndex, saveStepPredictions } from './step-predictions'

const { workbench } = workbenchesPerTest()
const bytesOf = (frames: { framesBase64: string }) =>
  new Uint8Array(Buffer.from(frames.framesBase64, 'base64'))

describe('predictions kept during training', () => {
  it('keeps the same validation clips at each evaluation and the last step, as the model predicts them', async () => {
    const wb = workbench()
    const { dataset, create } = await setUpTinyRuns(wb)
    // Four iterations, evaluated every two: iteration 2 by validation, 4 as the last step.
    const runs = [await create('first'), await create('second')]
    for (const run of runs) {
      expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    }
    const [first, second] = await Promise.all(
      runs.map((r) => wb.call('runs.stepPredictions', { id: r.id })),
    )
    // The tiny set has 2 validation clips: both are kept, in store order, by every run.
    expect(first).toEqual({ split: 'val', clips: [0, 1], iterations: [2, 4], inputFrames: 2 })
    expect(second).toEqual(first)

    const id = runs[0]!.id
    const early = await wb.call('runs.stepPrediction', { id, iteration: 2, clip: 1 })
    const last = await wb.call('runs.stepPrediction', { id, iteration: 4, clip: 1 })
    expect(last).toMatchObject({ shape: [2, 16, 16, 1], inputFrames: 2, clip: 1 })
    expect(bytesOf(early)).not.toEqual(bytesOf(last))
    // The last step is the trained model's own prediction of that clip, byte for byte.
    const predicted = await wb.call('runs.predict', {
      id,
      source: { kind: 'clip', datasetId: dataset.id, split: 'val', clip: 1 },
    })
    expect(bytesOf(predicted.prediction)).toEqual(bytesOf(last))

    await expect(wb.call('runs.stepPrediction', { id, iteration: 3, clip: 0 })).rejects.toThrow(
      'run "first" kept no prediction of val clip 0 at iteration 3',
    )
  }, 60_000)

  it('forgets the evaluations past the checkpoint a run trains again from', () => {
    const runDir = mkdtempSync(join(tmpdir(), 'tmu-steps-'))
    const layout: PredictionsIndex = {
      split: 'val',
      dtype: 'uint8',
      layout: 'NTHWC',
      shape: [1, 1, 1, 1, 1],
      clips: [0],
      inputFrames: 1,
    }
    for (const iteration of [4, 2, 6]) {
      saveStepPredictions(runDir, iteration, layout, Uint8Array.of(iteration))
    }
    expect(readStepIndex(runDir)?.iterations).toEqual([2, 4, 6])
    forgetStepPredictionsAfter(runDir, 4)
    expect(readStepIndex(runDir)?.iterations).toEqual([2, 4])
    // Another layout (say, a changed horizon) starts the list over.
    saveStepPredictions(runDir, 8, { ...layout, inputFrames: 2 }, Uint8Array.of(8))
    expect(readStepIndex(runDir)?.iterations).toEqual([8])
    expect(existsSync(stepPredictionFiles(runDir).frames(2))).toBe(false)
  })
})
