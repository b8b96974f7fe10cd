import { describe, expect, it } from 'vitest'
import type { StudyState } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import {
  microConfig,
  setUpTinyRuns,
  untilStatus,
  workbenchesPerTest,
} from '../testing/test-workbench'

const { workbench } = workbenchesPerTest()

/** Resolves with the first `studies.changed` state of the study at `stage`. */
function untilStage(wb: Workbench, experimentId: number, stage: StudyState['stage']) {
  return new Promise<StudyState>((resolve) => {
    const stop = wb.onEvent((event, payload) => {
      const state = payload as StudyState
      if (
        event === 'studies.changed' &&
        state.experimentId === experimentId &&
        state.stage === stage
      ) {
        stop()
        resolve(state)
      }
    })
  })
}

describe('studies', () => {
  it('trains every run of a Flying Digits study on the backend asked for', async () => {
    const wb = workbench()
    const state = await wb.call('studies.flyingDigits', { scale: 'tiny', backend: 'wasm' })
    // The sources are created as soon as the datasets exist; the arms reuse their config.
    const sources = await wb.call('runs.list', { experimentId: state.experimentId })
    expect(sources.map((r) => [r.kind, r.config.backend])).toEqual([
      ['source', 'wasm'],
      ['source', 'wasm'],
    ])
  })

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
    const done = untilStage(wb, study.id, 'done')
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
