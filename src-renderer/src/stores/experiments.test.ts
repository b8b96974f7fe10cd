import { describe, expect, it, vi } from 'vitest'
import { openTestWorkbench } from '../../../src-main/testing/test-workbench'
import { setUpStoreTests } from '../testing/in-process-api'
import { useExperimentsStore } from './experiments'

const t = setUpStoreTests(openTestWorkbench)

describe('experiments store over the real router', () => {
  it('shows an experiment another client creates, from the event alone', async () => {
    const store = useExperimentsStore()
    await store.refresh()
    expect(store.experiments).toEqual([])
    // The CLI or another window: not through this store.
    const made = await t.wb.call('experiments.create', { name: 'from elsewhere', tags: ['cli'] })
    await vi.waitFor(() => expect(store.experiments.map((e) => e.id)).toEqual([made.id]))
    expect(store.experiments[0]).toMatchObject({ name: 'from elsewhere', tags: ['cli'] })
    expect(store.allTags).toEqual(['cli'])
  })

  it('creates, edits, archives, deletes and restores through the API', async () => {
    const store = useExperimentsStore()
    const made = await store.create({ name: 'grid', tags: ['b'] })
    expect(store.loaded).toBe(true)
    await store.update({ id: made.id, tags: ['b', 'a'] })
    expect(store.allTags).toEqual(['a', 'b'])
    expect((await t.wb.call('experiments.list', {}))[0]?.tags).toEqual(['b', 'a'])

    await store.update({ id: made.id, archived: true })
    expect(store.experiments).toEqual([])
    await store.setIncludeArchived(true)
    expect(store.experiments.map((e) => e.id)).toEqual([made.id])
    await store.update({ id: made.id, archived: false })

    await store.remove(made.id)
    expect(store.experiments).toEqual([])
    await store.restore(made.id)
    expect(store.experiments.map((e) => e.name)).toEqual(['grid'])
  })

  it('passes on the main side’s refusal as an error', async () => {
    const store = useExperimentsStore()
    await expect(store.update({ id: 999, name: 'nothing' })).rejects.toMatchObject({
      code: 'not_found',
    })
  })
})
