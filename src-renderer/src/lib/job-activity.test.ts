import { describe, expect, it } from 'vitest'
import { jobActivity } from './job-activity'

describe('jobActivity', () => {
  it('says a job Slurm holds back is queued there, and why', () => {
    const waiting =
      'Resources: waiting for nodes with the CPUs, memory or GPUs it asks for to free up'
    expect(jobActivity({ kind: 'train', waiting })).toBe(`queued in Slurm: ${waiting}`)
  })

  it('says a job that trains or evaluates does so now', () => {
    expect(jobActivity({ kind: 'train', waiting: null })).toBe('training now')
    expect(jobActivity({ kind: 'evaluate', waiting: null })).toBe('evaluating now')
  })
})
