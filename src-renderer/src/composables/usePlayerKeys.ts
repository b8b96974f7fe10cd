import { onScopeDispose, type Ref } from 'vue'
import { keyTarget } from '../lib/playback'

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
 * Player keys for the whole window: Space plays or pauses, ←/→ step a frame (Shift: 10, stopping
 * at the ends), Home/End go to the first and last frame. Keys that a focused field or button
 * handles itself are left to it.
 */
export function usePlayerKeys(actions: {
  frame: Ref<number>
  frameCount: Ref<number>
  toggle(): void
  pause(): void
  seek(frame: number): void
}) {
  function onKey(event: KeyboardEvent) {
    if (event.altKey || event.ctrlKey || event.metaKey) return
    const target = event.target instanceof HTMLElement ? event.target : document.body
    if (ownsKeys(target)) return
    if (event.key === ' ' && !spaceActivates(target)) {
      event.preventDefault()
      actions.toggle()
      return
    }
    const to = keyTarget(event.key, event.shiftKey, actions.frame.value, actions.frameCount.value)
    if (to === null) return
    event.preventDefault()
    actions.pause()
    actions.seek(to)
  }
  window.addEventListener('keydown', onKey)
  onScopeDispose(() => window.removeEventListener('keydown', onKey))
}
