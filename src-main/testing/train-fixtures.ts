import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelConfig, TrainConfig } from '../domain/model'
import { createFlyingDigitsStore } from '../data/flying-digits-store'
import type { TrainJobSpec } from '../jobs/trainer-protocol'

/** A tiny Flying Digits store (16×16, 6 frames) in a temp folder, for training tests. */
export function createTinyDataset(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'tmu-jobs-')), 'digits')
  createFlyingDigitsStore(dir, {
    trainClips: 24,
    valClips: 4,
    testClips: 4,
    canvasSize: 16,
    digitSize: 8,
    clipLength: 6,
    digitsPerClip: 1,
    seed: 3,
  })
  return dir
}

/** A training job small enough to run a few iterations in a second or two on the cpu backend. */
export function tinyJobSpec(
  datasetDir: string,
  overrides: Partial<TrainJobSpec['train']> = {},
): TrainJobSpec {
  return {
    runId: 1,
    kind: 'scratch',
    runDir: join(mkdtempSync(join(tmpdir(), 'tmu-run-')), 'run-1'),
    datasetDir,
    model: ModelConfig.parse({
      hidden: [4],
      kernelSize: 3,
      patchSize: 4,
      imageHeight: 16,
      imageWidth: 16,
    }),
    train: TrainConfig.parse({
      inputFrames: 3,
      outputFrames: 3,
      batchSize: 4,
      iterations: 6,
      evalEvery: 3,
      checkpointEvery: 3,
      learningRate: 1e-2,
      seed: 7,
      ...overrides,
    }),
    backend: 'cpu',
    resume: false,
    validationClips: 4,
    testClips: null,
    initFromRunDir: null,
    sources: [],
    evaluateOnly: false,
  }
}
