import type { Run } from './runs'

/** Millions to 3 significant figures, thousands grouped below a million: 38.6 M, 23,855. */
function countText(n: number): string {
  return n >= 1e6 ? `${Number((n / 1e6).toPrecision(3))} M` : n.toLocaleString('en-US')
}

function secondsText(s: number): string {
  return s >= 1 ? `${Number(s.toPrecision(3))} s` : `${Number((s * 1000).toPrecision(3))} ms`
}

/**
 * A run's size, work and speed in one line, as the run page and the model card say it:
 * "6.45 M parameters · 12.5 GFLOP per clip · 41 ms per test clip (30 frames) on onednn".
 * The speed is the test rollouts' own time on the backend the run trained on, once tested.
 */
export function footprintText(run: Pick<Run, 'footprint' | 'test' | 'backend'>): string {
  const { parameters, gflopPerClip } = run.footprint
  const parts = [
    `${countText(parameters)} parameters`,
    `${Number(gflopPerClip.toPrecision(3))} GFLOP per clip`,
  ]
  const inference = run.test?.inference
  if (inference) {
    parts.push(
      `${secondsText(inference.secondsPerClip)} per test clip (${inference.frames} frames)` +
        (run.backend ? ` on ${run.backend}` : ''),
    )
  }
  return parts.join(' · ')
}
