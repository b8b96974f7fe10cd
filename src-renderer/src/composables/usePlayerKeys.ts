import { onScopeDispose } from 'vue'

/**
 * Player keys for the whole window: Space plays or pauses, ←/→ step a frame (Shift: 10). Keys
 * typed into a field, or Space on a button (which clicks it), are left alone.
 */
export function usePlayerKeys(actions: { toggle(): void; step(delta: number): void }) {
  function onKey(event: KeyboardEvent) {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const target = event.target as HTMLElement | null
    const tag = target?.tagName ?? ''
    if (['INPUT', 'SELECT', 'TEXTAREA'].includes(tag) || target?.isContentEditable) return
    if (event.key === ' ' && tag !== 'BUTTON' && tag !== 'A') {
      event.preventDefault()
      actions.toggle()
    } else if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') {
      event.preventDefault()
      actions.step((event.key === 'ArrowRight' ? 1 : -1) * (event.shiftKey ? 10 : 1))
    }
  }
  window.addEventListener('keydown', onKey)
  onScopeDispose(() => window.removeEventListener('keydown', onKey))
}
