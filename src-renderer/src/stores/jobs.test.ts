import { describe, expect, it, vi } from 'vitest'
import { openTestWorkbench, setUpTinyRuns } from '../../../src-main/testing/test-workbench'
import { setUpStoreTests } from '../testing/in-process-api'
import { useJobsStore } from './jobs'

const t = setUpStoreTests(openTestWorkbench) // one trainer at a time: the rest queue

describe('jobs store over the real router', () => {
  it('shows the queue as runs start, and reorders it on the main side', async () => {
    const { create } = await setUpTinyRuns(t.wb)
    const store = useJobsStore()
    await store.refresh()
    expect(store.jobs).toEqual([])
    // Long enough that nothing finishes while the test looks.
    const long = { iterations: 100_000, evalEvery: 50_000, checkpointEvery: 50_000 }
    const [a, b, c] = [await create('a', long), await create('b', long), await create('c', long)]
    await vi.waitFor(
      () => {
        expect(store.running.map((j) => j.runId)).toEqual([a.id])
        expect(store.queued.map((j) => j.runId)).toEqual([b.id, c.id])
      },
      { timeout: 30_000, interval: 50 },
    )
    const jobOfC = store.queued[1]!.id
    await store.move(jobOfC, -1)
    expect(store.queued.map((j) => j.runId)).toEqual([c.id, b.id])
    const onMain = await t.wb.call('jobs.list', {})
    expect(onMain.filter((j) => j.state === 'queued').map((j) => j.runId)).toEqual([c.id, b.id])
    // Moving the first one up is a no-op, not a call the main side refuses.
    await store.move(jobOfC, -1)
    expect(store.queued.map((j) => j.runId)).toEqual([c.id, b.id])
  })
})
