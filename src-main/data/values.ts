import { DataError } from './errors'
import type { NpyValues } from './npy'

/**
 * How float input maps to 8-bit: `unit` means [0, 1], `byte` means [0, 255]. Frames are stored
 * as uint8 once, so the scale is fixed at import and recorded with the dataset.
 */
export type FloatScale = 'unit' | 'byte'

/** Allows float noise from the exporter (e.g. 1.0000001) without accepting real out-of-range data. */
const TOLERANCE = 1e-4

export interface ValueRange {
  min: number
  max: number
}

/** Names the position of element `i` of an array for an error message. */
export type Locate = (i: number) => string
const byElement: Locate = (i) => `element ${i}`

/** Min and max of `values`; throws on NaN or ±Inf, naming the file and the position. */
export function scanValueRange(values: NpyValues, file: string, locate = byElement): ValueRange {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number
    if (!Number.isFinite(v)) {
      throw new DataError(file, `non-finite value ${v} at ${locate(i)}`)
    }
    if (v < min) min = v
    if (v > max) max = v
  }
  return { min, max }
}

/** The scale a float array's range implies: anything above 1 means [0, 255]. */
export function detectFloatScale(range: ValueRange): FloatScale {
  return range.max <= 1 + TOLERANCE ? 'unit' : 'byte'
}

/**
 * Converts values to uint8 (rounding to nearest), refusing NaN/Inf and values outside the
 * scale's range. uint8 input is returned as is.
 */
export function toUint8(
  values: NpyValues,
  scale: FloatScale,
  file: string,
  locate = byElement,
): Uint8Array {
  if (values instanceof Uint8Array) return values
  const factor = scale === 'unit' ? 255 : 1
  const out = new Uint8Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] as number) * factor
    if (!(v >= -TOLERANCE * factor && v <= 255 + TOLERANCE * factor)) {
      const shown = values[i] as number
      const problem = Number.isFinite(shown)
        ? `value ${shown} at ${locate(i)} is outside [0, ${scale === 'unit' ? 1 : 255}]`
        : `non-finite value ${shown} at ${locate(i)}`
      throw new DataError(file, problem)
    }
    out[i] = Math.min(255, Math.max(0, Math.round(v)))
  }
  return out
}
