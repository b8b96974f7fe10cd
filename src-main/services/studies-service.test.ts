import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { createWorkbench } from '../api/create-workbench'
import { microStudy, untilStage } from '../testing/micro-study'
import {
  microConfig,
  setUpTinyRuns,
  untilStatus,
  workbenchesPerTest,
} from '../testing/test-workbench'
import type { ArmIntrospection } from './study-report'

const { workbench, track } = workbenchesPerTest()

describe('studies', () => {
  it('trains every run of a Flying Digits study on the backend asked for', async () => {
    const wb = workbench()
    const state = await wb.call('studies.flyingDigits', { scale: 'tiny', backend: 'wasm' })
    // Every run is filed as soon as the datasets exist, on the backend asked for: the arms
    // wait in the queue for the sources they train on.
    const runs = await wb.call('runs.list', { experimentId: state.experimentId })
    const count = (kind: string) => runs.filter((r) => r.kind === kind).length
    expect(['source', 'scratch', 'finetune', 'tmu'].map(count)).toEqual([2, 2, 4, 2])
    expect(new Set(runs.map((r) => r.config.backend))).toEqual(new Set(['wasm']))
    const waiting = runs.filter((r) => r.kind === 'finetune' || r.kind === 'tmu')
    expect(waiting.map((r) => r.status)).toEqual(waiting.map(() => 'queued'))
    // Tiny: two seeds per arm unless asked; the plan is kept with the study.
    const results = await wb.call('studies.results', { experimentId: state.experimentId })
    expect(results.plan).toMatchObject({ scale: 'tiny', seeds: 2, sourcesPerSeed: false })
    expect(results.plan!.arms.map((a) => a.name)).toEqual([
      'scratch',
      'finetune ← FD-1',
      'finetune ← FD-2',
      'TMU ← FD-1 + FD-2',
    ])
  })

  // Six micro runs (trainer starts dominate): a minute alone on 2 cores, several under load.
  it('finds no difference between two arms of the same configuration, seeded apart', async () => {
    const wb = workbench()
    const { state, done } = await microStudy(
      wb,
      [
        { name: 'scratch', kind: 'scratch' },
        { name: 'scratch again', kind: 'scratch' },
      ],
      3,
    )
    expect(await done()).toMatchObject({ stage: 'done' })
    const results = await wb.call('studies.results', { experimentId: state.experimentId })
    expect(results.testClips).toBe(12)
    const [a, b] = results.arms
    expect([a!.scoredSeeds, b!.scoredSeeds]).toEqual([3, 3])
    // Seeded apart: the same configuration trained six ways gives six different scores.
    const means = results.arms.flatMap((arm) => arm.runs.map((r) => r.meanMse))
    expect(new Set(means).size).toBe(6)
    expect(a!.overall.mse.low).toBeLessThan(a!.overall.mse.high!)
    const mse = results.comparisons.find((c) => c.metric === 'mse')!
    expect(mse).toMatchObject({ a: 'scratch again', b: 'scratch' })
    expect(mse.verdict).toMatch(
      /^no difference detected in MSE between scratch again and scratch, 95 % CI of the difference \[−?[\d.]+, −?[\d.]+\]$/,
    )
    expect(mse.mean.low!).toBeLessThan(0)
    expect(mse.mean.high!).toBeGreaterThan(0)
  }, 600_000)

  it('trains a zoo of architectures: PredRNN++ and MIM sources, finetunes on theirs, a PredRNN TMU on both', async () => {
    const wb = workbench()
    const { state, done } = await microStudy(
      wb,
      [
        { name: 'scratch', kind: 'scratch' },
        { name: 'finetune ← FD-1', kind: 'finetune', sources: [0] },
        { name: 'finetune ← FD-2', kind: 'finetune', sources: [1] },
        { name: 'TMU ← FD-1 + FD-2', kind: 'tmu', sources: [0, 1] },
      ],
      1,
      { sourceCells: ['predrnnpp', 'mim'], targetCell: 'predrnn' },
    )
    expect(await done()).toMatchObject({ stage: 'done' })
    const runs = await wb.call('runs.list', { experimentId: state.experimentId })
    const cellOf = (name: string) => runs.find((r) => r.name.startsWith(name))!.config.model.cell
    expect(cellOf('source · FD-1 micro predrnnpp')).toBe('predrnnpp')
    expect(cellOf('source · FD-2 micro mim')).toBe('mim')
    expect(cellOf('finetune ← FD-1')).toBe('predrnnpp')
    expect(cellOf('finetune ← FD-2')).toBe('mim')
    expect(cellOf('scratch')).toBe('predrnn')
    expect(cellOf('TMU ← FD-1 + FD-2')).toBe('predrnn')
    const results = await wb.call('studies.results', { experimentId: state.experimentId })
    for (const arm of results.arms) {
      expect(arm.scoredSeeds, arm.name).toBe(1)
      expect(Number.isFinite(arm.runs[0]!.meanMse), arm.name).toBe(true)
    }
  }, 600_000)

  it("reports sample clips, gate usage and the carried memory from the runs' saved files", async () => {
    const wb = workbench()
    const { state, done } = await microStudy(
      wb,
      [
        { name: 'scratch', kind: 'scratch' },
        { name: 'TMU ← FD-1', kind: 'tmu', sources: [0] },
      ],
      1,
    )
    expect(await done()).toMatchObject({ stage: 'done' })
    const report = await wb.call('studies.report', { experimentId: state.experimentId })
    // Truth and both arms on test clip 0, as a PNG: 16×16 frames at zoom 4, three rows.
    const strip = report.images.find((i) => i.name === 'sample-clips.png')!
    const png = PNG.sync.read(Buffer.from(strip.pngBase64, 'base64'))
    expect(png.height).toBeGreaterThan(3 * 64)
    expect(report.markdown).toContain('rows top to bottom: Ground truth; scratch; TMU ← FD-1.')
    expect(report.html).toContain(
      '<img class="samples" alt="sample clips" src="data:image/png;base64,',
    )
    // The TMU arm's gates per source and its memory per layer, by each of the 3 steps.
    const { introspection } = JSON.parse(report.json) as { introspection: ArmIntrospection[] }
    expect(introspection.map((i) => [i.arm, i.sources])).toEqual([['TMU ← FD-1', ['FD-1 micro']]])
    const [memory] = introspection[0]!.memoryMagnitude
    expect(memory).toHaveLength(3)
    for (const v of memory!) expect(Number.isFinite(v)).toBe(true)
    expect(report.markdown).toMatch(
      /\| TMU ← FD-1 \| 1 \| FD-1 micro \| 0\.\d{3} \| 0\.\d{3} \| 0\.\d{3} \|/,
    )
    expect(report.images.map((i) => i.name)).toEqual([
      'mse-per-frame.png',
      'ssim-per-frame.png',
      'gate-usage.png',
      'memory-magnitude.png',
      'sample-clips.png',
    ])
  }, 600_000)

  it('adds seeds to a finished study by training only the runs it lacks', async () => {
    const wb = workbench()
    const { state, done } = await microStudy(
      wb,
      [
        { name: 'scratch', kind: 'scratch' },
        { name: 'finetune', kind: 'finetune', sources: [0] },
      ],
      1,
    )
    expect(await done()).toMatchObject({ stage: 'done' })
    const before = await wb.call('runs.list', { experimentId: state.experimentId })
    expect(before.map((r) => r.name).sort()).toEqual([
      'finetune · seed 1',
      'scratch · seed 1',
      'source · FD-1 micro',
    ])

    const extended = untilStage(wb, state.experimentId, ['done', 'failed'])
    await wb.call('studies.extend', { experimentId: state.experimentId, seeds: 2 })
    expect(await extended).toMatchObject({ stage: 'done' })
    const after = await wb.call('runs.list', { experimentId: state.experimentId })
    const added = after.filter((r) => !before.some((b) => b.id === r.id))
    expect(added.map((r) => r.name).sort()).toEqual(['finetune · seed 2', 'scratch · seed 2'])
    // The runs that were there trained once: same attempt, same end.
    for (const run of before) {
      expect(after.find((r) => r.id === run.id)).toMatchObject({
        status: 'completed',
        finishedAt: run.finishedAt,
      })
    }
    // Seed 2 of the finetune builds on the one source, trained once.
    expect(added.find((r) => r.kind === 'finetune')!.sourceRunIds).toEqual([
      before.find((r) => r.kind === 'source')!.id,
    ])
    await expect(
      wb.call('studies.extend', { experimentId: state.experimentId, seeds: 1 }),
    ).rejects.toMatchObject({ message: 'study "micro study" has 2 seeds; a study only grows' })
  }, 480_000)

  it('goes on with a study the workbench stopped in its sources, at the next start', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-study-'))
    const first = workbench(root)
    const { state } = await microStudy(
      first,
      [{ name: 'finetune', kind: 'finetune', sources: [0] }],
      1,
    )
    const filed = await first.call('runs.list', { experimentId: state.experimentId })
    const source = filed.find((r) => r.kind === 'source')
    await untilStatus(first, source!.id, ['running'])
    await first.close()

    // The app and `tmu serve` resume at start; a tmu command would need `tmu study resume`.
    const second = track(
      createWorkbench({
        workspace: root,
        transport: 'in-process',
        probeBackends: async () => [],
        builtinDataset: false,
        resumeInterrupted: true,
      }),
    )
    expect(await second.call('studies.state', { experimentId: state.experimentId })).toMatchObject({
      stage: 'sources',
    })
    const done = untilStage(second, state.experimentId, ['done', 'failed'])
    expect(await done).toMatchObject({ stage: 'done' })
    const runs = (await second.call('runs.list', { experimentId: state.experimentId })).sort(
      (a, b) => a.id - b.id,
    )
    // The interrupted source went on (not a second one); the arm, filed with it, waited for it.
    expect(runs.map((r) => [r.name, r.status])).toEqual([
      ['source · FD-1 micro', 'completed'],
      ['finetune · seed 1', 'completed'],
    ])
    expect(runs[0]!.id).toBe(source!.id)
    expect(runs[1]!.sourceRunIds).toEqual([source!.id])
  }, 300_000)

  it('restarts a target arm on another backend and reports the study done when it completes', async () => {
    const wb = workbench()
    const { dataset } = await setUpTinyRuns(wb)
    // A study as the Flying Digits pipeline leaves it when an arm fails: tagged, arms filed.
    const study = await wb.call('experiments.create', {
      name: 'study',
      tags: ['study', 'flying-digits', 'tiny'],
    })
    const arm = (name: string, kind: 'source' | 'scratch', start: boolean) =>
      wb.call('runs.create', {
        experimentId: study.id,
        name,
        kind,
        datasetId: dataset.id,
        config: microConfig(),
        start,
      })
    const source = await arm('source', 'source', true)
    // Stopped short before it trained (cancelled): the arm a failed backend leaves behind.
    const scratch = await arm('scratch', 'scratch', false)
    expect(await untilStatus(wb, source.id, ['completed', 'failed'])).toBe('completed')

    await expect(
      wb.call('studies.restartArm', { experimentId: study.id, runId: source.id, backend: 'wasm' }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: 'run "source" is not a target arm of study "study"',
    })
    const done = untilStage(wb, study.id, ['done'])
    const restarted = await wb.call('studies.restartArm', {
      experimentId: study.id,
      runId: scratch.id,
      backend: 'wasm',
    })
    expect(restarted.config.backend).toBe('wasm')
    expect(await done).toMatchObject({
      scale: 'tiny',
      message: 'all arms evaluated on the same test clips',
    })
    const results = await wb.call('studies.results', { experimentId: study.id })
    expect(results.arms).toMatchObject([{ name: 'scratch', status: 'completed', backend: 'wasm' }])
    expect(results.arms[0]!.meanMse).toEqual(expect.any(Number))
  })

  it('refuses to restart an arm of an experiment that is not a study', async () => {
    const wb = workbench()
    const { experiment, create } = await setUpTinyRuns(wb)
    const run = await create('plain', {}, false)
    await expect(
      wb.call('studies.restartArm', { experimentId: experiment.id, runId: run.id, backend: 'cpu' }),
    ).rejects.toMatchObject({ code: 'invalid_input', message: 'experiment "jobs" is not a study' })
  })
})
