/**
 * Pixel conversions shared by every metric (docs/method.md §5.1): predictions are clipped to [0, 1]
 * before scoring, and the 8-bit metrics see `np.uint8(x * 255)` as PredRNN/OpenSTL compute it.
 */

/** Clamps to [0, 1]; NaN passes through so a diverged model shows up as NaN, not as 0. */
export function clipUnit(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x
}

/**
 * Writes `uint8(clip(x) * 255)` for each value, truncating as numpy's cast does. numpy
 * multiplies in float32, this in float64; for float32 inputs in [0, 1] both truncate to the
 * same byte (checked for every float32 within 10⁵ ulps of each k/255, the only place they
 * could differ).
 */
export function quantize8bit(values: Float32Array, offset: number, out: Uint8Array): Uint8Array {
  for (let i = 0; i < out.length; i++) {
    out[i] = clipUnit(values[offset + i]!) * 255 // a Uint8Array store truncates toward 0
  }
  return out
}
