import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createMetricAccumulator } from '../ml/metrics/metric-accumulator'
import { openDatabase } from './database'
import { createExperimentsRepo } from './experiments-repo'
import { createRunsRepo } from './runs-repo'

function workspace() {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'tmu-runs-')), 'workbench.sqlite'))
  const experiment = createExperimentsRepo(db).create({ name: 'e', description: '', tags: [] })
  const runs = createRunsRepo(db)
  const run = runs.create({
    experimentId: experiment.id,
    name: 'r',
    kind: 'scratch',
    config: {},
    datasetId: null,
    sourceRunIds: [],
    status: 'completed',
  })
  return { db, runs, id: run.id }
}

/** Files a test evaluation as the host does: the summary as JSON, its means as metrics. */
function fileEvaluation(runs: ReturnType<typeof createRunsRepo>, id: number, pred: Float32Array) {
  const metrics = createMetricAccumulator({ frames: 1, height: 7, width: 7, channels: 1 })
  metrics.addBatch(pred, new Float32Array(pred.length))
  const summary = metrics.summarize()
  const finite = (v: number) => (Number.isFinite(v) ? v : null)
  runs.addMetrics(id, [
    { iteration: 5, name: 'test/mse', value: finite(summary.meanMse) },
    { iteration: 5, name: 'test/ssim', value: finite(summary.meanSsim) },
  ])
  runs.addEvaluation(id, 'test', 5, JSON.parse(JSON.stringify(summary)) as object)
}

describe('runs repo: test scores', () => {
  it('keeps a diverged evaluation, all NaN, with its count of non-finite clips', () => {
    const { db, runs, id } = workspace()
    const pred = new Float32Array(2 * 49).fill(NaN)
    fileEvaluation(runs, id, pred)
    expect(runs.get(id)?.test).toEqual({
      mse: null,
      mae: null,
      ssim: null,
      psnr: null,
      nonFiniteClips: 2,
    })
    db.close()
  })

  it('counts none for finite predictions, and has no scores before an evaluation', () => {
    const { db, runs, id } = workspace()
    expect(runs.get(id)?.test).toBeNull()
    fileEvaluation(runs, id, new Float32Array(2 * 49).fill(0.5))
    expect(runs.get(id)?.test).toMatchObject({ mse: 12.25, nonFiniteClips: 0 })
    db.close()
  })
})
