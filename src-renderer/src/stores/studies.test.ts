import { describe, expect, it, vi } from 'vitest'
import { openTestWorkbench } from '../../../src-main/testing/test-workbench'
import { setUpStoreTests } from '../testing/in-process-api'
import { useExperimentsStore } from './experiments'
import { useStudiesStore } from './studies'

const t = setUpStoreTests(openTestWorkbench)

describe('studies store over the real router', () => {
  it('starts a study and follows its stage from studies.changed', async () => {
    const studies = useStudiesStore()
    const experiments = useExperimentsStore()
    await experiments.refresh()
    const seen: unknown[] = []
    t.api.on('studies.changed', (e) => seen.push(e))
    const state = await studies.start('tiny')
    expect(studies.states[state.experimentId]).toMatchObject({ scale: 'tiny' })
    // The study moves on in the background (a source trains, or fails): events only.
    await vi.waitFor(() => expect(studies.states[state.experimentId]).not.toEqual(state), {
      timeout: 60_000,
      interval: 100,
    })
    expect(studies.states[state.experimentId]).toEqual(seen.at(-1))
    await vi.waitFor(() =>
      expect(experiments.experiments.map((e) => e.id)).toContain(state.experimentId),
    )
    const results = await studies.results(state.experimentId)
    expect(results).toBeTruthy()
  })
})
