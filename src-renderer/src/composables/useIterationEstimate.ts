import type { Input, Output } from '@contract/index'
import { shallowRef } from 'vue'
import { useApi } from '../api/client'

/**
 * `runs.estimate` asked as the New run form changes: only the latest answer is kept, and a
 * form that is not valid yet (or a backend that is not available) shows no estimate.
 */
export function useIterationEstimate() {
  const api = useApi()
  const result = shallowRef<Output<'runs.estimate'>>(null)
  let asked = 0

  async function estimate(input: Input<'runs.estimate'> | null) {
    const question = ++asked
    let answer: Output<'runs.estimate'> = null
    try {
      if (input) answer = await api.call('runs.estimate', input)
    } catch {
      answer = null // An estimate is a hint; the form's own validation reports real problems.
    }
    if (question === asked) result.value = answer
  }

  return { result, estimate }
}
