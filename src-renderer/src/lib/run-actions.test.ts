import { describe, expect, it } from 'vitest'
import { availableActions, isActive } from './run-actions'

describe('run actions', () => {
  it('offers what the server accepts in each status', () => {
    expect(availableActions('running')).toEqual(['pause', 'cancel'])
    expect(availableActions('paused')).toEqual(['resume', 'cancel'])
    expect(availableActions('interrupted')).toContain('resume')
    expect(availableActions('completed')).toEqual(['restart'])
  })

  it('counts queued, running and paused runs as active', () => {
    expect(['queued', 'running', 'paused', 'completed'].map((s) => isActive(s as never))).toEqual([
      true,
      true,
      true,
      false,
    ])
  })
})
