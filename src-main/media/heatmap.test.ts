import { describe, expect, it } from 'vitest'
import {
  colourBar,
  differenceRgba,
  errorColour,
  signedColour,
  VALUE_LUT_RGBA,
  valueColourBar,
} from './heatmap'

describe('heat map colours', () => {
  it('runs from near-black (no error) to pale yellow (full error)', () => {
    expect(errorColour(0)).toEqual([0, 0, 4])
    expect(errorColour(1)).toEqual([252, 253, 191])
    expect(errorColour(2)).toEqual([252, 253, 191])
  })

  it('gets brighter as the error grows', () => {
    const luminance = ([r, g, b]: number[]) => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
    const values = [0, 0.2, 0.4, 0.6, 0.8, 1].map((e) => luminance(errorColour(e)))
    expect([...values].sort((x, y) => x - y)).toEqual(values)
  })

  it('is white at no difference, blue below and red above', () => {
    expect(signedColour(0)).toEqual([247, 247, 247])
    expect(signedColour(-1)).toEqual([33, 102, 172])
    expect(signedColour(1)).toEqual([178, 24, 43])
  })
})

describe('differenceRgba', () => {
  it('colours |prediction − truth| per pixel, averaging channels', () => {
    const truth = new Uint8Array([0, 0, 0, 255, 255, 255])
    const prediction = new Uint8Array([0, 0, 0, 0, 0, 0])
    expect(Array.from(differenceRgba(truth, prediction, 3, 'abs'))).toEqual([
      0, 0, 4, 255, 252, 253, 191, 255,
    ])
  })

  it('keeps the sign in signed mode', () => {
    const out = differenceRgba(new Uint8Array([255, 0]), new Uint8Array([0, 255]), 1, 'signed')
    expect(Array.from(out)).toEqual([33, 102, 172, 255, 178, 24, 43, 255])
  })
})

describe('colourBar', () => {
  it('spans the |error| ramp from no error to the full grey range', () => {
    const bar = colourBar('abs')
    expect(bar.gradient).toMatch(/^linear-gradient\(to right, rgb\(0, 0, 4\) 0%, /)
    expect(bar.gradient).toMatch(/rgb\(252, 253, 191\) 100%\)$/)
    expect(bar.ticks[0]).toEqual({ at: 0, label: '0' })
    expect(bar.ticks.at(-1)).toEqual({ at: 1, label: '255' })
  })

  it('puts zero difference in the middle of the signed ramp, where it is white', () => {
    const bar = colourBar('signed')
    expect(bar.gradient).toContain('rgb(247, 247, 247) 50%')
    expect(bar.ticks.find((t) => t.label === '0')!.at).toBe(0.5)
    expect(bar.ticks.map((t) => t.label)).toEqual(['-255', '-128', '0', '+128', '+255'])
    expect(signedColour(0)).toEqual([247, 247, 247])
  })
})

describe('valueColourBar', () => {
  it('labels a map scale 0 … max in three significant figures, on the value ramp', () => {
    const bar = valueColourBar('|C|', 2345.678)
    expect(bar.ticks).toEqual([
      { at: 0, label: '0' },
      { at: 0.5, label: '1170' },
      { at: 1, label: '2350' },
    ])
    expect(bar.gradient).toMatch(/^linear-gradient\(to right, rgb\(68, 1, 84\) 0%/)
    expect(Array.from(VALUE_LUT_RGBA.subarray(255 * 4))).toEqual([253, 231, 37, 255])
  })
})
