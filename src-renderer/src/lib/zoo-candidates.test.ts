import { ModelConfig } from '@contract/index'
import { describe, expect, it } from 'vitest'
import { makeRun } from '../testing/fixtures'
import { zooCandidates } from './zoo-candidates'

describe('zooCandidates', () => {
  it('keeps completed non-TMU runs that are not members', () => {
    const plain = makeRun({ id: 1 })
    const member = makeRun({ id: 2 })
    const running = makeRun({ id: 3, status: 'running' })
    const tmu = makeRun({ id: 4, kind: 'tmu' })
    tmu.config.model = ModelConfig.parse({ tmu: { sources: 1 } })
    expect(zooCandidates([plain, member, running, tmu], new Set([2]))).toEqual([plain])
  })
})
