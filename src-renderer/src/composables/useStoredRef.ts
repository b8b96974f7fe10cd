import { ref, watch, type Ref } from 'vue'

/**
 * A ref kept in localStorage under `key`, for view preferences (columns shown) that should
 * survive a reload. A stored value that no longer passes `isValid` falls back to the default.
 */
export function useStoredRef<T>(
  key: string,
  fallback: T,
  isValid: (value: unknown) => boolean,
): Ref<T> {
  let initial = fallback
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(key) ?? 'null')
    if (stored !== null && isValid(stored)) initial = stored as T
  } catch {
    // A hand-edited or foreign value: keep the default.
  }
  const value = ref(initial) as Ref<T>
  watch(value, (next) => localStorage.setItem(key, JSON.stringify(next)), { deep: true })
  return value
}
