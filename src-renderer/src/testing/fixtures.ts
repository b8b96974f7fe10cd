import { RunConfig, type Run } from '@contract/index'

/** A completed run with the contract's default config, for unit tests of pure view logic. */
export function makeRun(overrides: Partial<Run> = {}): Run {
  return {
    id: 1,
    experimentId: 1,
    name: 'run',
    kind: 'scratch',
    config: RunConfig.parse({ model: {}, train: {} }),
    status: 'completed',
    backend: 'cpu',
    datasetId: 1,
    datasetName: 'digits',
    iteration: 100,
    error: null,
    notes: '',
    tags: [],
    archived: false,
    sourceRunIds: [],
    lastLoss: 0.1,
    test: { mse: 30, mae: 60, ssim: 0.9, psnr: 20 },
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:40.000Z',
    trainedSeconds: 100,
    executor: 'local',
    slurmJobId: null,
    node: null,
    partition: null,
    footprint: { parameters: 1_234_567, gflopPerClip: 12.5 },
    ...overrides,
  }
}
