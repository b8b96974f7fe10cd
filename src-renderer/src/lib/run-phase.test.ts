import { describe, expect, it } from 'vitest'
import { displayStatus, isEvaluating } from './run-phase'

const run = (status: 'running' | 'completed' | 'paused', iteration: number) => ({
  status,
  iteration,
  config: { train: { iterations: 200 } } as never,
})

describe('run phase', () => {
  it('reads a running run at its last iteration as evaluating', () => {
    expect(isEvaluating(run('running', 200))).toBe(true)
    expect(displayStatus(run('running', 200))).toBe('evaluating')
  })

  it('keeps the stored status before the last iteration and once filed', () => {
    expect(displayStatus(run('running', 199))).toBe('running')
    expect(displayStatus(run('completed', 200))).toBe('completed')
    expect(displayStatus(run('paused', 200))).toBe('paused')
  })
})
