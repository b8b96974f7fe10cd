import { describe, expect, it } from 'vitest'
import { describeStudyScale } from './study-scales'

describe('study scales in words', () => {
  it('describe the paper scale as the published configuration (docs/method.md §4)', () => {
    expect(describeStudyScale('paper')).toBe(
      '64×64 frames, 10 → 10, a 4×64 ConvLSTM, 5×5, batch 8, 80 000 iterations per run, 3 seeds per arm',
    )
  })

  it('name the backbone a study puts its target on', () => {
    expect(describeStudyScale('tiny', 'predrnn')).toMatch(/, a 2×8 PredRNN \(ST-LSTM\), 3×3, /)
  })
})
