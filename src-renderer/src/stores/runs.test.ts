import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  microConfig,
  openTestWorkbench,
  setUpTinyRuns,
} from '../../../src-main/testing/test-workbench'
import { activateStores } from '../testing/in-process-api'
import { useRunsStore } from './runs'

let wb: ReturnType<typeof openTestWorkbench>
let stores: ReturnType<typeof activateStores>

beforeEach(() => {
  wb = openTestWorkbench()
  stores = activateStores(wb)
})
afterEach(async () => {
  stores.close()
  await wb.close()
})

describe('runs store over the real router', () => {
  it('follows a run it starts to completion from runs.changed and runs.progress', async () => {
    const { dataset, experiment } = await setUpTinyRuns(wb)
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
    const { create } = await setUpTinyRuns(wb)
    const store = useRunsStore()
    await store.refresh()
    const run = await create('elsewhere', {}, false)
    await vi.waitFor(() => expect(store.byId.get(run.id)?.name).toBe('elsewhere'))
    await store.update({ id: run.id, tags: ['keep'] })
    expect(store.allTags).toEqual(['keep'])
    await wb.call('runs.delete', { id: run.id })
    await vi.waitFor(() => expect(store.byId.has(run.id)).toBe(false))
  })
})
