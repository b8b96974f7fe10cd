import { afterEach, describe, expect, it, vi } from 'vitest'
import { EvaluationSummary } from '../api/contract'
import { createMetricAccumulator } from '../ml/metrics/metric-accumulator'
import { printEvaluation } from './evaluation-table'

/** What `runs.evaluation` returns for these clips: scored, stored as JSON, read back. */
function storedEvaluation(pred: Float32Array, truth: Float32Array) {
  const metrics = createMetricAccumulator({ frames: 2, height: 7, width: 7, channels: 1 })
  metrics.addBatch(pred, truth)
  const json = JSON.parse(JSON.stringify(metrics.summarize())) as object
  return EvaluationSummary.parse({ ...json, split: 'test', iteration: 7 })
}

function printed(summary: EvaluationSummary): string[] {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  printEvaluation(summary)
  return write.mock.calls.map(([text]) => String(text).trimEnd())
}

describe('printEvaluation', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('prints NaN where a prediction was not finite, and says how many clips', () => {
    const pred = new Float32Array(2 * 2 * 49).fill(0.5)
    pred[49 + 3] = NaN // clip 0, frame 2
    const lines = printed(storedEvaluation(pred, new Float32Array(pred.length)))
    expect(lines[2]).toMatch(/^ +1 +12\.25 +24\.50 +[\d.]+ +[\d.]+$/)
    expect(lines[3]).toMatch(/^ +2 +NaN +NaN +NaN +NaN$/)
    expect(lines[4]).toMatch(/^ +mean +NaN +NaN +NaN +NaN$/)
    expect(lines[5]).toBe(
      '  1 of 2 clips were predicted with NaN or ±Inf values: the model diverged, and those frames score NaN.',
    )
  })

  it('keeps a dash for an infinite PSNR and prints no warning for finite predictions', () => {
    const pred = new Float32Array(2 * 2 * 49).fill(0.5)
    const lines = printed(storedEvaluation(pred, pred))
    expect(lines[2]).toMatch(/^ +1 +0\.00 +0\.00 +1\.0000 +—$/)
    expect(lines).toHaveLength(5)
  })
})
