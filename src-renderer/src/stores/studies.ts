import type { Input, StudyScale, StudyState } from '@contract/index'
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { useApi } from '../api/client'

/**
 * Flying Digits studies started from this workbench. Their stage arrives only as
 * `studies.changed` events (the contract has no call to read it back), so a study started
 * before this window opened shows its results but not its stage.
 */
export const useStudiesStore = defineStore('studies', () => {
  const api = useApi()
  const states = ref<Record<number, StudyState>>({})

  api.on('studies.changed', (state) => {
    states.value[state.experimentId] = state
  })

  async function start(scale: StudyScale) {
    const state = await api.call('studies.flyingDigits', { scale })
    // The event of the first stage may have arrived before the reply: keep the later one.
    states.value[state.experimentId] ??= state
    return state
  }

  const results = (experimentId: number) => api.call('studies.results', { experimentId })

  /** Trains one target arm again on another backend; the study's stage follows as events. */
  const restartArm = (input: Input<'studies.restartArm'>) => api.call('studies.restartArm', input)

  return { states, start, results, restartArm }
})
