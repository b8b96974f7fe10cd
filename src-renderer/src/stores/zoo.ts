import type { BuiltInZooEntry, Input, ZooModel } from '@contract/index'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useApi } from '../api/client'

/** The zoo of source models (docs/method.md §3.1): completed runs promoted under a name. */
export const useZooStore = defineStore('zoo', () => {
  const api = useApi()
  const models = ref<ZooModel[]>([])
  /** The models that ship with the workbench, each with its zoo member once added. */
  const builtIn = ref<BuiltInZooEntry[]>([])
  const loaded = ref(false)

  async function refresh() {
    ;[models.value, builtIn.value] = await Promise.all([
      api.call('zoo.list', {}),
      api.call('zoo.builtIn', {}),
    ])
    loaded.value = true
  }

  api.on('zoo.changed', () => void refresh())

  /** Zoo names by run id: a TMU run's sources are known by these names. */
  const nameByRunId = computed(() => new Map(models.value.map((m) => [m.run.id, m.name])))

  async function add(runId: number, name: string) {
    const model = await api.call('zoo.add', { runId, name })
    await refresh()
    return model
  }

  async function addBuiltIn(name: string) {
    const model = await api.call('zoo.addBuiltIn', { name })
    await refresh()
    return model
  }

  async function remove(runId: number) {
    await api.call('zoo.remove', { runId })
    await refresh()
  }

  const check = (input: Input<'zoo.check'>) => api.call('zoo.check', input)

  return { models, builtIn, loaded, nameByRunId, refresh, add, addBuiltIn, remove, check }
})
