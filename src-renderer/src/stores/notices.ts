import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Notice {
  id: number
  kind: 'info' | 'error'
  text: string
  /** An action offered with the notice, e.g. undo of a delete. */
  action?: { label: string; run: () => void | Promise<void> }
}

const VISIBLE_MS = 8_000

/** Transient messages at the bottom of the window: errors from calls, undo offers. */
export const useNoticesStore = defineStore('notices', () => {
  const notices = ref<Notice[]>([])
  let nextId = 1

  function dismiss(id: number) {
    notices.value = notices.value.filter((n) => n.id !== id)
  }

  function show(notice: Omit<Notice, 'id'>) {
    const id = nextId++
    notices.value.push({ ...notice, id })
    setTimeout(() => dismiss(id), VISIBLE_MS)
  }

  function error(error: unknown) {
    show({ kind: 'error', text: error instanceof Error ? error.message : String(error) })
  }

  return { notices, show, error, dismiss }
})
