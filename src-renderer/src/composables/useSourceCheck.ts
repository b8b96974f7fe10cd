import type { Input, Output } from '@contract/index'
import { shallowRef } from 'vue'
import { useZooStore } from '../stores/zoo'

/**
 * `zoo.check` asked on every edit of a source choice: only the answer to the latest question
 * is kept, and a refusal (e.g. a source that left the zoo meanwhile) shows as the problem.
 */
export function useSourceCheck() {
  const zoo = useZooStore()
  const result = shallowRef<Output<'zoo.check'> | null>(null)
  let asked = 0

  async function check(input: Input<'zoo.check'> | null) {
    const question = ++asked
    let verdict: Output<'zoo.check'> | null = null
    try {
      if (input) verdict = await zoo.check(input)
    } catch (error) {
      verdict = { ok: false, problems: [error instanceof Error ? error.message : String(error)] }
    }
    if (question === asked) result.value = verdict
  }

  return { result, check }
}
