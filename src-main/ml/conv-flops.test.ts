import { describe, expect, it } from 'vitest'
import { ModelConfig } from '../domain/model'
import { trainingConvFlops } from './conv-flops'

describe('trainingConvFlops', () => {
  it('agrees with compute-notes: PyTorch PredRNN 2×16 batch 4 at 0.21 s ≈ 115 GFLOP/s', () => {
    const model = ModelConfig.parse({ cell: 'predrnn', hidden: [16, 16] })
    const gflop = trainingConvFlops(model, 4, 19) / 1e9
    expect(gflop / 0.21).toBeGreaterThan(110)
    expect(gflop / 0.21).toBeLessThan(120)
  })

  it('agrees with compute-notes: PredRNN 4×64 batch 8 at 6.55 s ≈ 216 GFLOP/s', () => {
    const model = ModelConfig.parse({ cell: 'predrnn', hidden: [64, 64, 64, 64] })
    const gflop = trainingConvFlops(model, 8, 19) / 1e9
    expect(Math.abs(gflop / 6.55 / 216 - 1)).toBeLessThan(0.03)
  })
})
