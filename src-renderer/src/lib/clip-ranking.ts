/** Mean of the non-null values; null when there are none. */
export function meanOf(values: (number | null)[]): number | null {
  const present = values.filter((v): v is number => v !== null && Number.isFinite(v))
  return present.length ? present.reduce((s, v) => s + v, 0) / present.length : null
}

export interface ClipGain {
  clip: number
  mseA: number
  mseB: number
  /** mseB − mseA: positive where run A predicts the clip better than run B. */
  gain: number
}

/**
 * "Where transfer helped": test clips ranked by how much lower run A's per-clip mean MSE is than
 * run B's, best first. Clips either run has no score for are left out.
 */
export function rankClipsByGain(
  perClipA: { mse: (number | null)[] }[],
  perClipB: { mse: (number | null)[] }[],
): ClipGain[] {
  const gains: ClipGain[] = []
  for (let clip = 0; clip < Math.min(perClipA.length, perClipB.length); clip++) {
    const mseA = meanOf(perClipA[clip]!.mse)
    const mseB = meanOf(perClipB[clip]!.mse)
    if (mseA !== null && mseB !== null) gains.push({ clip, mseA, mseB, gain: mseB - mseA })
  }
  return gains.sort((x, y) => y.gain - x.gain || x.clip - y.clip)
}
