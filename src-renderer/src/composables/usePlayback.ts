import { onScopeDispose, ref, watch, type Ref } from 'vue'
import { advanceClock, stepFrame } from '../lib/playback'

/**
 * One clock for every pane of the player, so N models stay frame-locked. `fps` = Infinity plays
 * a new frame on every animation frame ("max").
 */
export function usePlayback(frameCount: Ref<number>, fps: Ref<number>, loop: Ref<boolean>) {
  const frame = ref(0)
  const playing = ref(false)
  let raf = 0
  let last = 0
  let carryMs = 0

  function tick(now: number) {
    const next = advanceClock(
      { frame: frame.value, carryMs },
      now - last,
      fps.value,
      frameCount.value,
      loop.value,
    )
    last = now
    carryMs = next.carryMs
    frame.value = next.frame
    if (next.ended) pause()
    else raf = requestAnimationFrame(tick)
  }

  function play() {
    if (playing.value || frameCount.value < 2) return
    // Replaying a finished clip starts it over, as a video player does.
    if (!loop.value && frame.value >= frameCount.value - 1) frame.value = 0
    playing.value = true
    carryMs = 0
    last = performance.now()
    raf = requestAnimationFrame(tick)
  }

  function pause() {
    playing.value = false
    cancelAnimationFrame(raf)
  }

  const toggle = () => (playing.value ? pause() : play())
  const step = (delta: number) => {
    pause()
    frame.value = stepFrame(frame.value, delta, frameCount.value, true)
  }
  const seek = (to: number) => {
    frame.value = stepFrame(0, to, frameCount.value, false)
  }

  // A shorter clip must not leave the clock past its end.
  watch(frameCount, (count) => {
    if (frame.value >= count) frame.value = Math.max(0, count - 1)
  })
  onScopeDispose(pause)
  return { frame, frameCount, playing, play, pause, toggle, step, seek }
}
