import { describe, expect, it } from 'vitest'
import type { ClipTmuMaps } from '@contract/index'
import { VALUE_LUT_RGBA } from '@media/heatmap'
import { decodeTmuMaps, finiteMax, mapToRgba, mapValueAt, planeAt } from './tmu-maps'

const base64Of = (values: number[]) => {
  const bytes = new Uint8Array(Float32Array.from(values).buffer)
  return btoa(String.fromCharCode(...bytes))
}

/** One layer, 2 lead times, 1 source (3 planes: T, |D − C̃|, |C|), 1×2 cells; value = index. */
const maps: ClipTmuMaps = {
  clip: 0,
  layers: [1],
  sources: ['zoo one'],
  leadTimes: 2,
  height: 1,
  width: 2,
  mapsBase64: base64Of(Array.from({ length: 12 }, (_, i) => i)),
}

const lut = (level: number) => Array.from(VALUE_LUT_RGBA.subarray(level * 4, level * 4 + 4))

describe('TMU maps for the player', () => {
  it('slices the planes in the contract order [layer][lead time][plane][y][x]', () => {
    const values = decodeTmuMaps(maps)
    expect(Array.from(planeAt(maps, values, 0, 0, 2).values)).toEqual([4, 5])
    expect(Array.from(planeAt(maps, values, 0, 1, 0).values)).toEqual([6, 7])
  })

  it('probes a frame pixel in the cell that covers it (nearest)', () => {
    const plane = { values: Float32Array.from([0, 1]), height: 1, width: 2 }
    expect([0, 1].map((x) => mapValueAt(plane, x, 1, 2, 4))).toEqual([0, 0])
    expect([2, 3].map((x) => mapValueAt(plane, x, 0, 2, 4))).toEqual([1, 1])
  })

  it('colours on the scale 0 … max, clamping past it and NaN to the low end', () => {
    const plane = { values: Float32Array.from([50, 200, Number.NaN]), height: 1, width: 3 }
    const rgba = mapToRgba(plane, 100)
    expect(Array.from(rgba.subarray(0, 4))).toEqual(lut(128))
    expect(Array.from(rgba.subarray(4, 8))).toEqual(lut(255))
    expect(Array.from(rgba.subarray(8, 12))).toEqual(lut(0))
  })

  it('scales by the largest finite value over every lead time', () => {
    const planes = [Float32Array.from([1, Infinity]), Float32Array.from([3, Number.NaN])].map(
      (values) => ({ values, height: 1, width: 2 }),
    )
    expect(finiteMax(planes)).toBe(3)
  })
})
