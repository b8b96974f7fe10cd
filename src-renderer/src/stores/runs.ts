import type { Input, Run, RunProgress } from '@contract/index'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useApi } from '../api/client'

/** All runs of the workspace (the lists are small) and the latest progress of those training. */
export const useRunsStore = defineStore('runs', () => {
  const api = useApi()
  const runs = ref<Run[]>([])
  const loaded = ref(false)
  const progress = ref<Record<number, RunProgress>>({})

  async function refresh() {
    runs.value = await api.call('runs.list', {})
    loaded.value = true
  }

  const get = (id: number) => api.call('runs.get', { id })

  /** Replaces one run in place, so a change event costs one call, not a list. */
  async function refreshOne(id: number) {
    try {
      const run = await api.call('runs.get', { id })
      const at = runs.value.findIndex((r) => r.id === id)
      if (at >= 0) runs.value[at] = run
      else runs.value.push(run)
    } catch {
      // Gone (deleted here or elsewhere): the list no longer holds it.
      runs.value = runs.value.filter((r) => r.id !== id)
    }
  }

  api.on('runs.changed', (e) => void refreshOne(e.id))
  api.on('runs.progress', (p) => {
    progress.value[p.runId] = p
    const run = runs.value.find((r) => r.id === p.runId)
    if (run) {
      run.iteration = p.iteration
      run.lastLoss = p.loss
    }
  })

  const byId = computed(() => new Map(runs.value.map((r) => [r.id, r])))
  const allTags = computed(() => [...new Set(runs.value.flatMap((r) => r.tags))].sort())

  async function create(input: Input<'runs.create'>) {
    const run = await api.call('runs.create', input)
    await refreshOne(run.id)
    return run
  }

  async function update(input: Input<'runs.update'>) {
    const run = await api.call('runs.update', input)
    await refreshOne(run.id)
  }

  async function control(id: number, action: Input<'runs.control'>['action']) {
    await api.call('runs.control', { id, action })
    await refreshOne(id)
  }

  /** Trains a stopped run again on another backend (recorded in its config). */
  async function restart(id: number, backend: Input<'runs.restart'>['backend']) {
    await api.call('runs.restart', { id, backend })
    await refreshOne(id)
  }

  async function remove(id: number) {
    await api.call('runs.delete', { id })
    runs.value = runs.value.filter((r) => r.id !== id)
  }

  /** The run's model card: `{ fileName, content }`, Markdown or a self-contained HTML page. */
  const card = (id: number, format: 'markdown' | 'html') => api.call('runs.card', { id, format })
  /** The run's latest weights as safetensors in PyTorch layout, base64 (`tmu export` too). */
  const exportWeights = (id: number) => api.call('runs.export', { id })

  return {
    runs,
    loaded,
    progress,
    byId,
    allTags,
    refresh,
    refreshOne,
    get,
    create,
    update,
    control,
    restart,
    remove,
    card,
    exportWeights,
  }
})
