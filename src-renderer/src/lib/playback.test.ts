import { describe, expect, it } from 'vitest'
import { advanceClock, keyTarget, stepFrame } from './playback'

describe('stepFrame', () => {
  it('wraps both ways when looping', () => {
    expect(stepFrame(9, 1, 10, true)).toBe(0)
    expect(stepFrame(0, -1, 10, true)).toBe(9)
    expect(stepFrame(3, -10, 10, true)).toBe(3)
    expect(stepFrame(5, 23, 10, true)).toBe(8)
  })

  it('clamps at the ends without loop', () => {
    expect(stepFrame(8, 10, 10, false)).toBe(9)
    expect(stepFrame(2, -10, 10, false)).toBe(0)
  })

  it('is 0 for an empty clip', () => {
    expect(stepFrame(0, 1, 0, true)).toBe(0)
  })
})

describe('advanceClock', () => {
  it('holds the frame until its time is due and carries the remainder', () => {
    const first = advanceClock({ frame: 0, carryMs: 0 }, 60, 10, 10, true)
    expect(first).toEqual({ frame: 0, carryMs: 60, ended: false })
    const second = advanceClock(first, 60, 10, 10, true)
    expect(second.frame).toBe(1)
    expect(second.carryMs).toBeCloseTo(20)
  })

  it('skips frames after a late tick so the clip keeps wall time', () => {
    expect(advanceClock({ frame: 0, carryMs: 0 }, 350, 10, 10, true).frame).toBe(3)
  })

  it('shows a new frame on every tick at max speed', () => {
    expect(advanceClock({ frame: 4, carryMs: 0 }, 1, Infinity, 10, true)).toEqual({
      frame: 5,
      carryMs: 0,
      ended: false,
    })
  })

  it('ends on the last frame without loop', () => {
    expect(advanceClock({ frame: 8, carryMs: 0 }, 500, 10, 10, false)).toEqual({
      frame: 9,
      carryMs: 0,
      ended: true,
    })
  })
})

describe('keyTarget', () => {
  it('goes to the first and last frame on Home and End', () => {
    expect(keyTarget('Home', false, 5, 10)).toBe(0)
    expect(keyTarget('End', false, 2, 10)).toBe(9)
  })

  it('steps one frame with the arrows, looping at the ends', () => {
    expect(keyTarget('ArrowRight', false, 9, 10)).toBe(0)
    expect(keyTarget('ArrowLeft', false, 0, 10)).toBe(9)
  })

  it('jumps 10 with Shift, stopping at the last or first frame', () => {
    expect(keyTarget('ArrowRight', true, 1, 20)).toBe(11)
    expect(keyTarget('ArrowRight', true, 6, 10)).toBe(9)
    expect(keyTarget('ArrowLeft', true, 3, 10)).toBe(0)
  })

  it('ignores other keys and empty clips', () => {
    expect(keyTarget('a', false, 0, 10)).toBeNull()
    expect(keyTarget('End', false, 0, 0)).toBeNull()
  })
})
