import { describe, expect, it } from 'vitest'
import { moveTarget } from './job-order'

describe('moveTarget', () => {
  const order = [11, 12, 13]
  it('moves up in front of the previous job', () => {
    expect(moveTarget(order, 12, -1)).toBe(11)
  })
  it('moves down in front of the job after the next, or to the end', () => {
    expect(moveTarget(order, 11, 1)).toBe(13)
    expect(moveTarget(order, 12, 1)).toBeNull()
  })
  it('does not move past either end or an unknown job', () => {
    expect(moveTarget(order, 11, -1)).toBeUndefined()
    expect(moveTarget(order, 13, 1)).toBeUndefined()
    expect(moveTarget(order, 99, 1)).toBeUndefined()
  })
})
