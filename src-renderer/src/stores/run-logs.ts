import type { EventPayload } from '@contract/index'
import { defineStore } from 'pinia'
import { shallowRef, triggerRef } from 'vue'
import { useApi } from '../api/client'

export type RunLogLine = EventPayload<'runs.log'>

/** Lines kept per run: the pane shows recent history, not the trainer's whole life. */
const KEPT_LINES = 500

/**
 * A run's log: its stored history (`load`, when a page opens the run) and the lines that
 * arrive live afterwards.
 */
export const useRunLogsStore = defineStore('run-logs', () => {
  const api = useApi()
  const lines = shallowRef(new Map<number, RunLogLine[]>())

  api.on('runs.log', (line) => {
    // A new array, not a push: views read the list through computeds, which only see a new value.
    const kept = [...(lines.value.get(line.runId) ?? []), line].slice(-KEPT_LINES)
    lines.value.set(line.runId, kept)
    triggerRef(lines)
  })

  async function load(runId: number) {
    const history = await api.call('runs.logs', { id: runId })
    // Lines that arrived while the history was on its way are in it already, or come after it.
    const last = history.at(-1)?.time ?? ''
    const live = (lines.value.get(runId) ?? []).filter((l) => l.time > last)
    lines.value.set(runId, [...history, ...live].slice(-KEPT_LINES))
    triggerRef(lines)
  }

  return { lines, load }
})
