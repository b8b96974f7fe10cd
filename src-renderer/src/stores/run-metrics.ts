import type { RunMetrics } from '@contract/index'
import { defineStore } from 'pinia'
import { ref, shallowRef, triggerRef } from 'vue'
import { useApi } from '../api/client'

/** How often a training run's stored series are re-read (validation points arrive in batches). */
const REFRESH_MS = 3_000

/**
 * The metric series of the run on screen. Loss points arrive live with progress events;
 * validation and test series are re-read from the workspace while the run trains.
 */
export const useRunMetricsStore = defineStore('run-metrics', () => {
  const api = useApi()
  const runId = ref<number | null>(null)
  const series = shallowRef<RunMetrics>({})
  let timer: ReturnType<typeof setInterval> | undefined

  async function load(id: number) {
    runId.value = id
    const loaded = await api.call('runs.metrics', { id })
    if (runId.value === id) series.value = loaded
  }

  /** Re-reads the series every few seconds while `training` says so; call with false to stop. */
  function follow(id: number, training: boolean) {
    clearInterval(timer)
    if (training) timer = setInterval(() => void load(id).catch(() => undefined), REFRESH_MS)
  }

  function stop() {
    clearInterval(timer)
    runId.value = null
    series.value = {}
  }

  api.on('runs.progress', (p) => {
    if (p.runId !== runId.value) return
    const loss = (series.value['train/loss'] ??= [])
    if ((loss.at(-1)?.[0] ?? -1) >= p.iteration) return
    // In place and then triggered: copying a long series on every event would be quadratic.
    loss.push([p.iteration, p.loss])
    triggerRef(series)
  })

  return { runId, series, load, follow, stop }
})
