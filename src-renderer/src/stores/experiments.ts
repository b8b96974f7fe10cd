import type { Experiment, Input } from '@contract/index'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useApi } from '../api/client'

export type ExperimentSort = 'updated' | 'created' | 'name' | 'runs'

/** Experiments as the main side has them; every change goes through the API, then refreshes. */
export const useExperimentsStore = defineStore('experiments', () => {
  const api = useApi()
  const experiments = ref<Experiment[]>([])
  const loaded = ref(false)
  const includeArchived = ref(false)

  async function refresh() {
    experiments.value = await api.call('experiments.list', {
      includeArchived: includeArchived.value,
    })
    loaded.value = true
  }

  // Another window or a CLI command changed something: show it.
  api.on('experiments.changed', () => void refresh())

  const allTags = computed(() => [...new Set(experiments.value.flatMap((e) => e.tags))].sort())

  async function create(input: Input<'experiments.create'>) {
    const created = await api.call('experiments.create', input)
    await refresh()
    return created
  }

  async function update(input: Input<'experiments.update'>) {
    await api.call('experiments.update', input)
    await refresh()
  }

  async function remove(id: number) {
    await api.call('experiments.delete', { id })
    await refresh()
  }

  async function restore(id: number) {
    await api.call('experiments.restore', { id })
    await refresh()
  }

  async function setIncludeArchived(value: boolean) {
    includeArchived.value = value
    await refresh()
  }

  return {
    experiments,
    loaded,
    includeArchived,
    allTags,
    refresh,
    create,
    update,
    remove,
    restore,
    setIncludeArchived,
  }
})

/** Filters by text (name, description, tags) and tag, then sorts; pure, for tests and views. */
export function filterAndSort(
  experiments: Experiment[],
  query: string,
  tag: string | null,
  sort: ExperimentSort,
): Experiment[] {
  const needle = query.trim().toLowerCase()
  const matches = experiments.filter(
    (e) =>
      (!tag || e.tags.includes(tag)) &&
      (!needle ||
        e.name.toLowerCase().includes(needle) ||
        e.description.toLowerCase().includes(needle) ||
        e.tags.some((t) => t.toLowerCase().includes(needle))),
  )
  const by: Record<ExperimentSort, (a: Experiment, b: Experiment) => number> = {
    updated: (a, b) => b.updatedAt.localeCompare(a.updatedAt),
    created: (a, b) => b.createdAt.localeCompare(a.createdAt),
    name: (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
    runs: (a, b) => b.runCount - a.runCount,
  }
  return [...matches].sort(by[sort])
}
