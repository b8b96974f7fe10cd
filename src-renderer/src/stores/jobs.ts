import type { ActiveJob } from '@contract/index'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { useApi } from '../api/client'
import { moveTarget } from '../lib/job-order'

/** Jobs training now or waiting their turn; the queue order is the main side's. */
export const useJobsStore = defineStore('jobs', () => {
  const api = useApi()
  const jobs = ref<ActiveJob[]>([])

  async function refresh() {
    jobs.value = await api.call('jobs.list', {})
  }
  api.on('jobs.changed', () => void refresh())
  // A run that starts or ends changes the queue too.
  api.on('runs.changed', () => void refresh())

  const queued = computed(() => jobs.value.filter((j) => j.state === 'queued'))
  const running = computed(() => jobs.value.filter((j) => j.state === 'running'))

  /** Moves a queued job one place up (-1) or down (+1). */
  async function move(jobId: number, by: -1 | 1) {
    const before = moveTarget(
      queued.value.map((j) => j.id),
      jobId,
      by,
    )
    if (before === undefined) return
    jobs.value = await api.call('jobs.reorder', { jobId, beforeJobId: before })
  }

  return { jobs, queued, running, refresh, move }
})
