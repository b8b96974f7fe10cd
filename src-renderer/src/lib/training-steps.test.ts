import { describe, expect, it } from 'vitest'
import { iterationAtOrBefore, sharedStepAxis } from './training-steps'

const kept = (iterations: number[], clips = [0, 1, 2, 3]) => ({
  split: 'val' as const,
  clips,
  iterations,
  inputFrames: 2,
})

describe('the training-step axis', () => {
  it('steps through every evaluation from the latest first one, over the clips all runs kept', () => {
    const axis = sharedStepAxis([kept([100, 200, 300, 400]), kept([150, 300], [0, 1])])
    expect(axis).toEqual({ iterations: [150, 200, 300, 400], clips: [0, 1] })
    expect(sharedStepAxis([kept([2, 4]), kept([])])).toEqual({ iterations: [], clips: [] })
  })

  it('shows each run at its latest evaluation at or before the step', () => {
    expect(iterationAtOrBefore([150, 300], 200)).toBe(150)
    expect(iterationAtOrBefore([150, 300], 300)).toBe(300)
    expect(iterationAtOrBefore([150, 300], 999)).toBe(300)
  })
})
