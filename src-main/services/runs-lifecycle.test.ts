import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DEFAULT_EXPERIMENT_NAME, type RunLogLine, type RunProgress } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import {
  microConfig,
  setUpTinyRuns,
  untilStatus,
  workbenchesPerTest,
} from '../testing/test-workbench'

const { workbench, track } = workbenchesPerTest()

describe('run lifecycle', () => {
  it('files a run created without an experiment in the default one, made once', async () => {
    const wb = workbench()
    const { dataset } = await setUpTinyRuns(wb)
    const changed: number[] = []
    wb.onEvent((event, payload) => {
      if (event === 'experiments.changed') changed.push((payload as { id: number }).id)
    })
    const create = (name: string) =>
      wb.call('runs.create', {
        name,
        kind: 'scratch',
        datasetId: dataset.id,
        config: microConfig(),
        start: false,
      })
    const first = await create('first')
    const second = await create('second')

    const experiments = await wb.call('experiments.list', {})
    const mine = experiments.filter((e) => e.name === DEFAULT_EXPERIMENT_NAME)
    expect(mine).toHaveLength(1)
    expect(first.experimentId).toBe(mine[0]!.id)
    expect(second.experimentId).toBe(mine[0]!.id)
    expect(mine[0]!.runCount).toBe(2)
    expect(changed).toContain(mine[0]!.id)
  })

  // The run page reads "evaluating" from this order (src-renderer/src/lib/run-phase.ts).
  it('reports its last iteration, still running, before it scores the test set', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const seen: string[] = []
    wb.onEvent((event, payload) => {
      if (event === 'runs.progress') {
        const p = payload as RunProgress
        if (p.iteration === p.total) seen.push('last iteration')
      }
      if (event === 'runs.log' && /evaluated on test/.test((payload as RunLogLine).text)) {
        seen.push('test scored')
      }
    })
    const run = await create('evaluating', { iterations: 4 })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    expect(seen).toEqual(['last iteration', 'test scored'])
  })

  it('reads "evaluating" while a completed run is scored again', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('rescored', { iterations: 4 })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const phases: string[] = []
    wb.onEvent((event, payload) => {
      if (event !== 'runs.changed' || (payload as { id: number }).id !== run.id) return
      // What the run page reads as "evaluating" (src-renderer/src/lib/run-phase.ts).
      void wb.call('runs.get', { id: run.id }).then((r) => {
        if (r.status !== 'running') return
        phases.push(r.iteration >= r.config.train.iterations ? 'evaluating' : 'running')
      })
    })
    await wb.call('runs.evaluate', { id: run.id })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(phases).toContain('evaluating')
    expect(phases).not.toContain('running')
  })

  it('refuses a model that cannot fit its backend, naming the estimate, and files nothing', async () => {
    const wb = track(
      createWorkbench({
        workspace: mkdtempSync(join(tmpdir(), 'tmu-memory-')),
        transport: 'in-process',
        // `auto` is judged on the backend it would pick: here wasm, with its ~3.8 GB heap.
        probeBackends: async () => [{ name: 'wasm', ok: true, detail: 'test' }],
        builtinDataset: false,
      }),
    )
    const { dataset, experiment } = await setUpTinyRuns(wb)
    const huge = microConfig()
    huge.model.hidden = [8192]
    for (const backend of ['auto', 'onednn'] as const) {
      await expect(
        wb.call('runs.create', {
          experimentId: experiment.id,
          name: `huge on ${backend}`,
          kind: 'scratch',
          datasetId: dataset.id,
          config: { ...huge, backend },
          start: true,
        }),
      ).rejects.toThrow(
        new RegExp(
          `^Too big for ${backend === 'auto' ? 'wasm' : 'onednn'}: needs ~[\\d.]+ GB, .*\\.$`,
        ),
      )
    }
    expect(await wb.call('runs.list', {})).toEqual([])
    // The same model, narrow enough, is filed.
    const fits = await wb.call('runs.create', {
      experimentId: experiment.id,
      name: 'fits',
      kind: 'scratch',
      datasetId: dataset.id,
      config: microConfig(),
      start: false,
    })
    expect(fits.name).toBe('fits')
  })

  it('adds up training time over a cancel and a resume', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('resumed', { iterations: 60, checkpointEvery: 100, evalEvery: 100 })
    await new Promise<void>((resolve) => {
      const stop = wb.onEvent((event, payload) => {
        if (event === 'runs.progress' && (payload as RunProgress).iteration >= 2) {
          stop()
          resolve()
        }
      })
    })
    await wb.call('runs.control', { id: run.id, action: 'cancel' })
    expect(await untilStatus(wb, run.id, ['cancelled', 'failed'])).toBe('cancelled')
    const first = await wb.call('runs.get', { id: run.id })
    const firstSeconds = (Date.parse(first.finishedAt!) - Date.parse(first.startedAt!)) / 1000
    expect(first.trainedSeconds).toBeCloseTo(firstSeconds, 2)
    expect(first.trainedSeconds).toBeGreaterThan(0)

    await wb.call('runs.control', { id: run.id, action: 'resume' })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const done = await wb.call('runs.get', { id: run.id })
    const lastSeconds = (Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)) / 1000
    expect(done.startedAt).not.toBe(first.startedAt)
    expect(done.trainedSeconds).toBeCloseTo(firstSeconds + lastSeconds, 2)
  }, 60_000)

  it('leaves paused time out of the training time', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('paused', { iterations: 40, checkpointEvery: 100, evalEvery: 100 })
    await new Promise<void>((resolve) => {
      const stop = wb.onEvent((event, payload) => {
        if (event === 'runs.progress' && (payload as RunProgress).iteration >= 2) {
          stop()
          resolve()
        }
      })
    })
    const firstStart = Date.parse((await wb.call('runs.get', { id: run.id })).startedAt!)
    await wb.call('runs.control', { id: run.id, action: 'pause' })
    const paused = await wb.call('runs.get', { id: run.id })
    expect(paused.status).toBe('paused')
    const beforePause = (Date.parse(paused.finishedAt!) - firstStart) / 1000
    expect(paused.trainedSeconds).toBeCloseTo(beforePause, 2)
    const PAUSE_MS = 2000
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS))
    // Still paused, the duration stands still.
    expect((await wb.call('runs.get', { id: run.id })).trainedSeconds).toBe(paused.trainedSeconds)

    await wb.call('runs.control', { id: run.id, action: 'resume' })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const done = await wb.call('runs.get', { id: run.id })
    const afterResume = (Date.parse(done.finishedAt!) - Date.parse(done.startedAt!)) / 1000
    expect(done.trainedSeconds).toBeCloseTo(beforePause + afterResume, 2)
    const wall = (Date.parse(done.finishedAt!) - firstStart) / 1000
    expect(wall - done.trainedSeconds).toBeGreaterThanOrEqual(PAUSE_MS / 1000)
  }, 60_000)

  it('resumes runs a restart interrupted, unless the setting is off', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-resume-'))
    // As `tmu serve` and the app do; one-shot commands (in-process) leave them be.
    const reopen = () =>
      createWorkbench({
        workspace: root,
        transport: 'in-process',
        probeBackends: async () => [],
        builtinDataset: false,
        resumeInterrupted: true,
      })
    const trained = (wb: Workbench, runId: number, iteration: number) =>
      new Promise<void>((resolve) => {
        const stop = wb.onEvent((event, payload) => {
          const p = payload as RunProgress
          if (event === 'runs.progress' && p.runId === runId && p.iteration >= iteration) {
            stop()
            resolve()
          }
        })
      })

    const first = reopen()
    const { create } = await setUpTinyRuns(first)
    const run = await create('restarted', { iterations: 400, checkpointEvery: 2, evalEvery: 1000 })
    await trained(first, run.id, 2)
    await first.close() // A server restart: the trainer checkpoints and the run is interrupted.

    const second = reopen()
    const resumed = await second.call('runs.get', { id: run.id })
    expect(['queued', 'running']).toContain(resumed.status)
    const logs = await second.call('runs.logs', { id: run.id })
    expect(logs.map((l) => l.text)).toContain('resuming: the workbench restarted while it trained')
    await trained(second, run.id, resumed.iteration + 1)
    expect(await second.call('settings.update', { resumeInterruptedRuns: false })).toMatchObject({
      resumeInterruptedRuns: false,
    })
    await second.close()

    const third = reopen()
    track(third)
    expect(await third.call('settings.get', {})).toMatchObject({ resumeInterruptedRuns: false })
    expect((await third.call('runs.get', { id: run.id })).status).toBe('interrupted')
  }, 60_000)

  it('moves its experiment\'s "updated" and says when its folder grows', async () => {
    const wb = workbench()
    const { create, experiment } = await setUpTinyRuns(wb)
    const seen: string[] = []
    wb.onEvent((event, payload) => {
      if (event === 'runs.log' && /^checkpoint at/.test((payload as RunLogLine).text)) {
        seen.push('checkpoint')
      }
      if (event === 'runs.changed') seen.push('changed')
      if (event === 'experiments.changed') seen.push('experiment')
    })
    const updatedAt = async () =>
      (await wb.call('experiments.get', { id: experiment.id })).updatedAt
    const before = await updatedAt()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const run = await create('touches', { iterations: 4, checkpointEvery: 2 })
    const filed = await updatedAt()
    expect(filed > before).toBe(true)
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    expect((await updatedAt()) > filed).toBe(true)
    // The run page re-reads its disk usage on runs.changed: one follows every checkpoint.
    const checkpoints = seen.flatMap((e, i) => (e === 'checkpoint' ? [seen[i + 1]] : []))
    expect(checkpoints.length).toBeGreaterThanOrEqual(2)
    expect(checkpoints.every((next) => next === 'changed')).toBe(true)
    expect(seen.at(-1)).toBe('experiment')
  })
})
