import { BackendPreference } from '@contract/index'
import { useStoredRef } from './useStoredRef'

/**
 * The compute backend the New run form starts from. A per-machine choice (what this GPU or
 * CPU does best), so it lives in this browser's storage, not in the workspace; Settings edits it.
 */
export function usePreferredBackend() {
  return useStoredRef<BackendPreference>(
    'tmu.preferred-backend',
    'auto',
    (value) => BackendPreference.safeParse(value).success,
  )
}
