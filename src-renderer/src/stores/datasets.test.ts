import { describe, expect, it, vi } from 'vitest'
import { openTestWorkbench } from '../../../src-main/testing/test-workbench'
import { setUpStoreTests } from '../testing/in-process-api'
import { useDatasetsStore } from './datasets'

const t = setUpStoreTests(openTestWorkbench)

const tiny = (name: string) => ({
  name,
  canvasSize: 16,
  digitSize: 8,
  clipLength: 4,
  digitsPerClip: 1,
  trainClips: 3,
  valClips: 1,
  testClips: 1,
})

describe('datasets store over the real router', () => {
  it('shows a dataset another client generates, and decodes its clips', async () => {
    const store = useDatasetsStore()
    await store.refresh()
    expect(store.datasets).toEqual([])
    const made = await t.wb.call('datasets.generate', tiny('elsewhere'))
    await vi.waitFor(() => expect(store.byId.get(made.id)?.name).toBe('elsewhere'))
    const clip = await store.clip(made.id, 'train', 2)
    expect(clip.shape).toEqual([4, 16, 16, 1])
    expect(clip.bytes).toHaveLength(4 * 16 * 16)
    expect(clip.bytes.some((b) => b > 0)).toBe(true) // a digit is drawn
  })

  it('says which dataset it is generating until the reply, then lists it; deletes', async () => {
    const store = useDatasetsStore()
    const pending = store.generate(tiny('mine'))
    expect(store.generating).toBe('mine')
    const made = await pending
    expect(store.generating).toBeNull()
    expect(store.datasets.map((d) => d.id)).toEqual([made.id])
    await store.remove(made.id)
    expect(store.datasets).toEqual([])
    expect(await t.wb.call('datasets.list', {})).toEqual([])
  })
})
