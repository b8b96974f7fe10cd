import type { Input, StudyScale, StudyState } from '@contract/index'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useApi } from '../api/client'

/**
 * Studies and their stages: from `studies.changed` as they go, and from each study's results
 * (its stored record) when a page reads them, so a study started before this window opened
 * shows its stage too.
 */
export const useStudiesStore = defineStore('studies', () => {
  const api = useApi()
  const states = ref<Record<number, StudyState>>({})

  api.on('studies.changed', (state) => {
    states.value[state.experimentId] = state
  })

  async function start(
    scale: StudyScale,
    options: Omit<Input<'studies.flyingDigits'>, 'scale'> = {},
  ) {
    const state = await api.call('studies.flyingDigits', { scale, ...options })
    // The event of the first stage may have arrived before the reply: keep the later one.
    states.value[state.experimentId] ??= state
    return state
  }

  async function results(experimentId: number) {
    const loaded = await api.call('studies.results', { experimentId })
    if (loaded.state) states.value[experimentId] ??= loaded.state
    return loaded
  }

  /** The exported report: HTML, Markdown, SVG figures, CSV and JSON (studies.report). */
  const report = (experimentId: number) => api.call('studies.report', { experimentId })

  /** Trains one target arm again on another backend; the study's stage follows as events. */
  const restartArm = (input: Input<'studies.restartArm'>) => api.call('studies.restartArm', input)

  return { states, start, results, report, restartArm }
})
