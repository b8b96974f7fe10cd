import { describe, expect, it } from 'vitest'
import { formatDuration, formatMegabytes, formatMetric, formatSetting } from './format'

describe('format', () => {
  it('formats durations by their largest unit', () => {
    expect(formatDuration(12.4)).toBe('12 s')
    expect(formatDuration(185)).toBe('3 m 05 s')
    expect(formatDuration(3720)).toBe('1 h 02 m')
    expect(formatDuration(0.34)).toBe('340 ms')
    expect(formatDuration(null)).toBe('—')
  })

  it('formats days, and caps an absurd estimate at a year', () => {
    expect(formatDuration(2 * 86400 + 3 * 3600 + 59)).toBe('2 d 03 h')
    expect(formatDuration(365 * 86400)).toBe('365 d 00 h')
    expect(formatDuration(365 * 86400 + 1)).toBe('more than a year')
    // A 1 TB model on the cpu backend: 3.0e20 h once printed in full.
    expect(formatDuration(1.08e24)).toBe('more than a year')
    expect(formatDuration(Infinity)).toBe('more than a year')
    expect(formatDuration(Number.NaN)).toBe('—')
  })

  it('formats metrics with 4 significant digits', () => {
    expect(formatMetric(29.8123)).toBe('29.81')
    expect(formatMetric(0.92912)).toBe('0.9291')
    expect(formatMetric(0.00012)).toBe('1.20e-4')
    expect(formatMetric(null)).toBe('—')
  })

  it('lists settings with fractions cut to 6 significant digits, and nothing else changed', () => {
    expect(formatSetting(1 / (0.625 * 60))).toBe('0.0266667')
    expect(formatSetting(3e-4)).toBe('0.0003')
    expect(formatSetting(80_000)).toBe('80000')
    expect(formatSetting('reverse')).toBe('reverse')
    expect(formatSetting(false)).toBe('false')
    expect(formatSetting(null)).toBe('—')
  })

  it('formats sizes in MB', () => {
    expect(formatMegabytes(1_234_567)).toBe('1.23')
    expect(formatMegabytes(820_000_000)).toBe('820.0')
  })
})
