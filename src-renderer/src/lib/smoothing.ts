/**
 * Exponential moving average of a noisy series, debiased at the start as TensorBoard does, so the
 * first points are not pulled towards 0. weight 0 = raw; 0.99 = very smooth. Nulls pass through.
 */
export function smoothSeries(
  points: [x: number, y: number | null][],
  weight: number,
): [x: number, y: number | null][] {
  let average = 0
  let count = 0
  return points.map(([x, y]) => {
    if (y === null || !Number.isFinite(y)) return [x, null]
    count++
    average = average * weight + (1 - weight) * y
    return [x, average / (1 - weight ** count)]
  })
}
