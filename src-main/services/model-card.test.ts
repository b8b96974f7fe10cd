import { describe, expect, it } from 'vitest'
import { RunConfig, type EvaluationSummary, type Run } from '../api/contract'
import { renderModelCardHtml, renderModelCardMarkdown } from './model-card'

const run: Run = {
  id: 7,
  experimentId: 1,
  name: 'TMU ← 2 sources',
  kind: 'tmu',
  config: RunConfig.parse({ model: { hidden: [64, 64], tmu: { sources: 2 } }, train: {} }),
  status: 'completed',
  backend: 'wasm',
  datasetId: 3,
  datasetName: 'Flying Digits · 3 digits',
  iteration: 500,
  error: null,
  notes: '',
  tags: [],
  archived: false,
  sourceRunIds: [1, 2],
  lastLoss: 0.01,
  test: { mse: 90, mae: 200, ssim: 0.7, psnr: 18 },
  createdAt: '2026-11-25T10:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  trainedSeconds: 0,
  executor: 'local',
  slurmJobId: null,
  node: null,
  partition: null,
  footprint: { parameters: 3_498_112, gflopPerClip: 12.5 },
}

const evaluation: EvaluationSummary = {
  split: 'test',
  iteration: 500,
  clips: 100,
  mse: [80, 100],
  mae: [150, 250],
  ssim: [0.8, 0.6],
  psnr: [19, null],
  meanMse: 90,
  meanMae: 200,
  meanSsim: 0.7,
  meanPsnr: null,
  nonFinite: [0, 0],
  nonFiniteClips: 0,
  perClip: [],
}

const input = {
  run,
  sources: [
    { name: 'FD-1', dataset: 'Flying Digits · 1 digit', runId: 1 },
    { name: 'FD-2', dataset: 'Flying Digits · 2 digits', runId: 2 },
  ],
  evaluation,
  generatedAt: '2026-11-25T12:00:00.000Z',
}

describe('model card', () => {
  it('states lineage, the per-frame table and embeds the curves in Markdown', () => {
    const md = renderModelCardMarkdown(input)
    expect(md).toContain(
      'TMU ← 2 sources (run 7) distils the memory of FD-1 (run 1, trained on Flying Digits · 1 digit)',
    )
    expect(md).toContain('| 2 | 100.00 | 250.00 | 0.6000 | — |')
    expect(md).toContain('| **mean** | **90.00** | **200.00** | **0.7000** | **—** |')
    expect(md).toMatch(/!\[MSE per frame\]\(data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+\)/)
    expect(md).toContain('TMU target (ConvLSTM 64×64, TMU at layer 1, λ = 0.1)')
  })

  it('says the model’s size, work per clip and, once tested, its speed on its backend', () => {
    expect(renderModelCardMarkdown(input)).toContain('3.5 M parameters · 12.5 GFLOP per clip\n')
    const tested = {
      ...run,
      test: { ...run.test!, inference: { secondsPerClip: 0.0412, frames: 30 } },
    }
    const line =
      '3.5 M parameters · 12.5 GFLOP per clip · 41.2 ms per test clip (30 frames) on wasm'
    expect(renderModelCardMarkdown({ ...input, run: tested })).toContain(line)
    expect(renderModelCardHtml({ ...input, run: tested })).toContain(`<p>${line}</p>`)
    // A SimVP card names its widths, not the recurrent defaults it does not read.
    const config = RunConfig.parse({ model: { cell: 'simvp', patchSize: 1 }, train: {} })
    const simvp = { ...run, kind: 'scratch' as const, sourceRunIds: [], config }
    expect(renderModelCardMarkdown({ ...input, run: simvp, sources: [] })).toContain(
      'SimVP (gSTA translator) 64/512',
    )
  })

  it('writes a standalone HTML page with inline SVG curves and escaped text', () => {
    const html = renderModelCardHtml({
      ...input,
      run: { ...run, notes: '<script>alert(1)</script>' },
    })
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).toContain('<svg xmlns="http://www.w3.org/2000/svg"')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('<script>')
  })
})
