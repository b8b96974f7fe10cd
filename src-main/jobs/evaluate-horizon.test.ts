import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig } from '../domain/model'
import { createFlyingDigitsStore } from '../data/flying-digits-store'
import { openFrameStore } from '../data/frame-store'
import { loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { namedFromTensorMap } from '../ml/tensor-map'
import { tinyJobSpec } from '../testing/train-fixtures'
import { evaluateSplit, testHorizon, type Evaluation } from './evaluate'
import { startTrainer } from './job-host'
import { predictionFiles, predictionsDir, SavedClipGates } from './prediction-files'
import { createRunTrainer } from './run-trainer'
import type { TrainJobSpec } from './trainer-protocol'

/** Trains a job in a real trainer process; its test evaluation as the host receives it. */
async function testEvaluation(spec: TrainJobSpec): Promise<Evaluation> {
  let summary: Evaluation | null = null
  const exit = await startTrainer(spec, (m) => {
    if (m.type === 'evaluation' && m.split === 'test') summary = m.summary as unknown as Evaluation
  }).exited
  expect(exit.last).toMatchObject({ type: 'finished', reason: 'completed' })
  return summary!
}

const allFinite = (values: (number | null)[]) =>
  values.every((v) => v !== null && Number.isFinite(v))

describe('scoring past the trained horizon', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('picks 3×, else 2× T_out where the clips hold it', () => {
    expect(testHorizon(10, 10, 20)).toBe(10)
    expect(testHorizon(10, 10, 30)).toBe(20)
    expect(testHorizon(10, 10, 40)).toBe(30)
    expect(testHorizon(5, 5, 20)).toBe(15)
  })

  it('a real TMU run: finite scores at every extra lead time, the trained ones unchanged, memory growing', async () => {
    // 12-frame clips, trained 3 → 3: scored to 3 → 9.
    const datasetDir = join(mkdtempSync(join(tmpdir(), 'tmu-horizon-')), 'digits')
    createFlyingDigitsStore(datasetDir, {
      trainClips: 16,
      valClips: 4,
      testClips: 6,
      canvasSize: 16,
      digitSize: 8,
      clipLength: 12,
      digitsPerClip: 1,
      seed: 5,
    })
    const short = { iterations: 2, evalEvery: 2, checkpointEvery: 2 }
    const sources = [1, 2].map((k) => ({
      ...tinyJobSpec(datasetDir, short),
      kind: 'source' as const,
      runId: k,
    }))
    for (const source of sources) await testEvaluation(source)
    const base = tinyJobSpec(datasetDir, { iterations: 4, evalEvery: 4, checkpointEvery: 4 })
    const target: TrainJobSpec = {
      ...base,
      runId: 3,
      kind: 'tmu',
      model: ModelConfig.parse({ ...base.model, tmu: { sources: 2 } }),
      sources: sources.map((s, i) => ({ name: `FD-${i + 1}`, runDir: s.runDir })),
    }
    const scored = await testEvaluation(target)

    expect(scored.mse).toHaveLength(3)
    expect(scored.beyond?.mse).toHaveLength(6)
    for (const metric of ['mse', 'mae', 'ssim', 'psnr'] as const) {
      expect(allFinite(scored.beyond![metric])).toBe(true)
    }

    // The same weights scored to the trained horizon alone give the same trained numbers.
    const store = openFrameStore(datasetDir)
    const trainer = createRunTrainer({ ...target, evaluateOnly: true })
    try {
      const { latest } = loadLatestCheckpoint(target.runDir)
      const weights = namedFromTensorMap(latest!.checkpoint.weights)
      trainer.network.params.setWeights(weights)
      tf.dispose(Object.values(weights))
      const trainedOnly = await evaluateSplit(trainer, store, {
        split: 'test',
        inputFrames: 3,
        outputFrames: 3,
        batchSize: 4,
        maxClips: null,
      })
      expect(trainedOnly.beyond).toBeNull()
      for (const key of ['mse', 'mae', 'ssim', 'psnr', 'meanMse', 'meanSsim', 'perClip'] as const) {
        expect(scored[key]).toEqual(trainedOnly[key])
      }
    } finally {
      trainer.dispose()
      await store.close()
    }

    // The carried memory's magnitude per layer and step, from the run's saved introspection:
    // finite, and larger at the end than at the start (the unrescaled carry, docs/method.md §3.8).
    const gates = SavedClipGates.array().parse(
      JSON.parse(
        readFileSync(predictionFiles(predictionsDir(target.runDir), 'test').gates, 'utf8'),
      ),
    )
    expect(gates).toHaveLength(6)
    for (const clip of gates) {
      const layer1 = clip.memoryMagnitude![0]!
      expect(layer1).toHaveLength(5) // the trained 3 + 3 − 1 steps
      expect(allFinite(layer1)).toBe(true)
      // Measured after 4 iterations: about 0.53 at step 1, 0.7–0.8 by step 5 (a fresh
      // network's growth over a longer rollout is in ml/tmu/introspection.test.ts).
      expect(layer1.at(-1)!).toBeGreaterThan(1.15 * layer1[0]!)
    }
  }, 120_000)
})
