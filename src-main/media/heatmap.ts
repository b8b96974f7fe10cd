type Rgb = [number, number, number]

/** Magma-like ramp (black → purple → orange → pale yellow): dark = no error, bright = large. */
const ERROR_STOPS: Rgb[] = [
  [0, 0, 4],
  [81, 18, 124],
  [183, 55, 121],
  [252, 137, 97],
  [252, 253, 191],
]
/** Diverging blue → white → red for prediction − truth: blue too dark, red too bright. */
const SIGNED_STOPS: Rgb[] = [
  [33, 102, 172],
  [247, 247, 247],
  [178, 24, 43],
]

function ramp(stops: Rgb[], t: number): Rgb {
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const f = x - i
  const [a, b] = [stops[i]!, stops[i + 1]!]
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as Rgb
}

/**
 * Viridis-like ramp (dark purple → teal → yellow) for a quantity on a scale of its own, the TMU's
 * maps: distinct from the error ramps, so a gate map is never read as an error.
 */
const VALUE_STOPS: Rgb[] = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]

/** Colour of an absolute error in [0, 1] (1 = the full 0…255 range). */
export function errorColour(error: number): Rgb {
  return ramp(ERROR_STOPS, error)
}

/** Colour of a signed difference in [−1, 1]. */
export function signedColour(difference: number): Rgb {
  return ramp(SIGNED_STOPS, (difference + 1) / 2)
}

// Per-pixel work is a table look-up: the player recolours 8 runs × T frames on every load.
const ERROR_LUT = Array.from({ length: 256 }, (_, e) => errorColour(e / 255))
const SIGNED_LUT = Array.from({ length: 511 }, (_, i) => signedColour((i - 255) / 255))

/**
 * Heat map RGBA of one frame pair (H·W·C bytes each), averaging the channels: `abs` colours
 * |prediction − truth|, `signed` colours prediction − truth.
 */
export function differenceRgba(
  truth: Uint8Array,
  prediction: Uint8Array,
  channels: number,
  mode: 'abs' | 'signed',
): Uint8ClampedArray<ArrayBuffer> {
  const pixels = truth.length / channels
  const out = new Uint8ClampedArray(pixels * 4)
  for (let p = 0; p < pixels; p++) {
    let sum = 0
    for (let c = 0; c < channels; c++)
      sum += prediction[p * channels + c]! - truth[p * channels + c]!
    const mean = Math.round(sum / channels)
    const colour = mode === 'abs' ? ERROR_LUT[Math.abs(mean)]! : SIGNED_LUT[mean + 255]!
    out[p * 4] = colour[0]
    out[p * 4 + 1] = colour[1]
    out[p * 4 + 2] = colour[2]
    out[p * 4 + 3] = 255
  }
  return out
}

/** RGBA colours of 0 … 255 along the value ramp, 4 bytes each: a map is recoloured per pixel. */
export const VALUE_LUT_RGBA = Uint8ClampedArray.from(
  Array.from({ length: 256 }, (_, v) => [...ramp(VALUE_STOPS, v / 255), 255]).flat(),
)

/** The colour bar of a value map on the scale 0 … max (ticks at 0, max/2, max). */
export function valueColourBar(title: string, max: number): ColourBar {
  const css = VALUE_STOPS.map(
    (s, i) => `rgb(${s.join(', ')}) ${(i / (VALUE_STOPS.length - 1)) * 100}%`,
  )
  const label = (v: number) => (v === 0 ? '0' : Number(v.toPrecision(3)).toString())
  return {
    title,
    gradient: `linear-gradient(to right, ${css.join(', ')})`,
    ticks: [0, 0.5, 1].map((at) => ({ at, label: label(at * max) })),
  }
}

export type HeatMode = 'abs' | 'signed'

/** A mode's colour at `at` along its colour bar (0 = left end, 1 = right end). */
export function barColour(mode: HeatMode, at: number): Rgb {
  return mode === 'abs' ? errorColour(at) : signedColour(at * 2 - 1)
}

/** A heat map's colour bar: its ramp as a CSS gradient (left = low) and labelled ticks. */
export interface ColourBar {
  title: string
  gradient: string
  ticks: { at: number; label: string }[]
}

/**
 * The colour bar of a heat-map mode, in grey levels (0…255) of the channel mean, the unit that
 * `differenceRgba` colours. The ramps are linear, so evenly spaced CSS stops reproduce them.
 */
export function colourBar(mode: HeatMode): ColourBar {
  const stops = mode === 'abs' ? ERROR_STOPS : SIGNED_STOPS
  const css = stops.map((s, i) => `rgb(${s.join(', ')}) ${(i / (stops.length - 1)) * 100}%`)
  const gradient = `linear-gradient(to right, ${css.join(', ')})`
  return mode === 'abs'
    ? {
        title: '|prediction − truth|, grey levels',
        gradient,
        ticks: [0, 64, 128, 192, 255].map((v) => ({ at: v / 255, label: String(v) })),
      }
    : {
        title: 'prediction − truth, grey levels',
        gradient,
        ticks: [-255, -128, 0, 128, 255].map((v) => ({
          at: (v + 255) / 510,
          label: v > 0 ? `+${v}` : String(v),
        })),
      }
}
