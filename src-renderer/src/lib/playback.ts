/** Frame arithmetic of the player clock, apart from requestAnimationFrame so it can be tested. */

/** The player's integer zooms, which the figure export offers too. */
export const PLAYER_ZOOMS = [1, 2, 3, 4, 6, 8]

/** Steps by delta frames; loops around or stops at the ends. */
export function stepFrame(frame: number, delta: number, count: number, loop: boolean): number {
  if (count <= 0) return 0
  const next = frame + delta
  if (loop) return ((next % count) + count) % count
  return Math.min(count - 1, Math.max(0, next))
}

export interface ClockState {
  frame: number
  /** Time owed to the next frame, so a slow tick does not slow the clip down. */
  carryMs: number
}

/**
 * Advances the clock by the time since the last tick. `fps` = Infinity shows a new frame on every
 * tick (the player's "max" speed); otherwise frames follow wall time, skipping frames when a tick
 * came late, as video players do. `ended`: playback reached the last frame without loop.
 */
export function advanceClock(
  state: ClockState,
  elapsedMs: number,
  fps: number,
  count: number,
  loop: boolean,
): ClockState & { ended: boolean } {
  const due = fps === Infinity ? 1 : Math.floor((state.carryMs + elapsedMs) * (fps / 1000))
  const carryMs = fps === Infinity ? 0 : state.carryMs + elapsedMs - (due * 1000) / fps
  if (due === 0) return { frame: state.frame, carryMs, ended: false }
  const ended = !loop && state.frame + due >= count - 1
  return { frame: stepFrame(state.frame, due, count, loop), carryMs: ended ? 0 : carryMs, ended }
}

/**
 * Where a player key sends the clock, or null for a key the player ignores: ←/→ step one frame
 * (looping), Shift jumps 10 and stops at the ends, Home/End go to the first and last frame.
 */
export function keyTarget(key: string, shift: boolean, frame: number, count: number) {
  if (count <= 0) return null
  if (key === 'Home') return 0
  if (key === 'End') return count - 1
  if (key !== 'ArrowRight' && key !== 'ArrowLeft') return null
  const direction = key === 'ArrowRight' ? 1 : -1
  return shift
    ? stepFrame(frame, 10 * direction, count, false)
    : stepFrame(frame, direction, count, true)
}
