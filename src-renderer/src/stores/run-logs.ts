import type { EventPayload } from '@contract/index'
import { defineStore } from 'pinia'
import { shallowRef, triggerRef } from 'vue'
import { useApi } from '../api/client'

export type RunLogLine = EventPayload<'runs.log'>

/** Lines kept per run: the pane shows recent history, not the trainer's whole life. */
const KEPT_LINES = 500

/**
 * Trainer log lines as they arrive. The contract has no call for past lines, so what a run
 * logged before this window opened is not shown.
 */
export const useRunLogsStore = defineStore('run-logs', () => {
  const api = useApi()
  const lines = shallowRef(new Map<number, RunLogLine[]>())

  api.on('runs.log', (line) => {
    const kept = lines.value.get(line.runId) ?? []
    kept.push(line)
    if (kept.length > KEPT_LINES) kept.splice(0, kept.length - KEPT_LINES)
    lines.value.set(line.runId, kept)
    triggerRef(lines)
  })

  return { lines }
})
