import { describe, expect, it, vi } from 'vitest'
import {
  microConfig,
  openTestWorkbench,
  setUpTinyRuns,
} from '../../../src-main/testing/test-workbench'
import { setUpStoreTests } from '../testing/in-process-api'
import { useRunsStore } from './runs'

const t = setUpStoreTests(openTestWorkbench)

describe('runs store over the real router', () => {
  it('follows a run it starts to completion from runs.changed and runs.progress', async () => {
    const { dataset, experiment } = await setUpTinyRuns(t.wb)
    const store = useRunsStore()
    await store.refresh()
    const run = await store.create({
      experimentId: experiment.id,
      name: 'tiny',
      kind: 'scratch',
      datasetId: dataset.id,
      config: microConfig(),
      start: true,
    })
    expect(store.byId.get(run.id)?.status).toMatch(/queued|running/)
    // Only events move it on from here: the store is not asked to refresh.
    await vi.waitFor(() => expect(store.byId.get(run.id)?.status).toBe('completed'), {
      timeout: 60_000,
      interval: 50,
    })
    expect(store.byId.get(run.id)).toMatchObject({ iteration: 4, backend: 'cpu' })
    expect(store.progress[run.id]).toMatchObject({ runId: run.id })
    expect(store.progress[run.id]!.iteration).toBeGreaterThan(0)
    expect(Number.isFinite(store.byId.get(run.id)!.lastLoss)).toBe(true)
  })

  it('picks up a run created elsewhere, edits it, and drops it when deleted', async () => {
    const { create } = await setUpTinyRuns(t.wb)
    const store = useRunsStore()
    await store.refresh()
    const run = await create('elsewhere', {}, false)
    await vi.waitFor(() => expect(store.byId.get(run.id)?.name).toBe('elsewhere'))
    await store.update({ id: run.id, tags: ['keep'] })
    expect(store.allTags).toEqual(['keep'])
    await t.wb.call('runs.delete', { id: run.id })
    await vi.waitFor(() => expect(store.byId.has(run.id)).toBe(false))
  })
})
