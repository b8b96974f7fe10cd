import { onScopeDispose } from 'vue'

/** Inputs where arrows and Space belong to the control (text, numbers, sliders, radios). */
function ownsKeys(target: HTMLElement): boolean {
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') {
    return true
  }
  return (
    target instanceof HTMLInputElement &&
    !['checkbox', 'button', 'submit', 'reset'].includes(target.type)
  )
}

/** Controls that Space activates (clicks) by itself. */
function spaceActivates(target: HTMLElement): boolean {
  return ['BUTTON', 'A', 'SUMMARY', 'INPUT'].includes(target.tagName)
}

/**
 * Player keys for the whole window: Space plays or pauses, ←/→ step a frame (Shift: 10). Keys
 * that a focused field or button handles itself are left to it.
 */
export function usePlayerKeys(actions: { toggle(): void; step(delta: number): void }) {
  function onKey(event: KeyboardEvent) {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const target = event.target instanceof HTMLElement ? event.target : document.body
    if (ownsKeys(target)) return
    if (event.key === ' ' && !spaceActivates(target)) {
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
