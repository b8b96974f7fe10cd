import { onScopeDispose, ref } from 'vue'

/** The time, re-read every `intervalMs`, so durations of running runs count up on screen. */
export function useNow(intervalMs = 1000) {
  const now = ref(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), intervalMs)
  onScopeDispose(() => clearInterval(timer))
  return now
}
