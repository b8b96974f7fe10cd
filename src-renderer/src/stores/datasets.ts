import type { Dataset, Input, SplitName } from '@contract/index'
import { defineStore } from 'pinia'
import { computed, ref, type Ref } from 'vue'
import { useApi } from '../api/client'
import { decodeClip, type Clip } from '@media/frames'

/** Datasets of the workspace; generation and deletion go through the API, then refresh. */
export const useDatasetsStore = defineStore('datasets', () => {
  const api = useApi()
  const datasets = ref<Dataset[]>([])
  const loaded = ref(false)
  /** Name of the dataset being generated; one at a time keeps the 2-core machine responsive. */
  const generating = ref<string | null>(null)
  /** Name of the dataset being imported; imports read whole folders, so they take a while. */
  const importing = ref<string | null>(null)

  async function refresh() {
    datasets.value = await api.call('datasets.list', {})
    loaded.value = true
  }

  api.on('datasets.changed', () => void refresh())

  const byId = computed(() => new Map(datasets.value.map((d) => [d.id, d])))

  /** Creates a dataset with `method`, naming it in `busy` until the list shows it. */
  async function create<M extends 'datasets.generate' | 'datasets.import'>(
    method: M,
    input: Input<M>,
    busy: Ref<string | null>,
  ) {
    busy.value = input.name
    try {
      const created = await api.call(method, input)
      await refresh()
      return created
    } finally {
      busy.value = null
    }
  }

  const generate = (input: Input<'datasets.generate'>) =>
    create('datasets.generate', input, generating)

  const preview = (source: Input<'datasets.preview'>) => api.call('datasets.preview', source)

  const importDataset = (input: Input<'datasets.import'>) =>
    create('datasets.import', input, importing)

  async function remove(id: number) {
    await api.call('datasets.delete', { id })
    await refresh()
  }

  async function clip(id: number, split: SplitName, index: number): Promise<Clip> {
    return decodeClip(await api.call('datasets.clip', { id, split, clip: index }))
  }

  return {
    datasets,
    loaded,
    generating,
    importing,
    byId,
    refresh,
    generate,
    preview,
    importDataset,
    remove,
    clip,
  }
})
