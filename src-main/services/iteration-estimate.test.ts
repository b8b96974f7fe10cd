import { describe, expect, it } from 'vitest'
import { RunConfig } from '../api/contract'
import { estimateIteration } from './iteration-estimate'

const wasmOnly = [
  { name: 'tensorflow', ok: false, detail: 'not installed' },
  { name: 'wasm', ok: true, detail: 'loads' },
  { name: 'cpu', ok: true, detail: 'loads' },
]
const paper = RunConfig.parse({
  model: { hidden: [64, 64, 64, 64] },
  train: { batchSize: 8, iterations: 80_000, reverseInput: false },
})

describe('estimateIteration', () => {
  it('prices the paper ConvLSTM on 2-thread wasm in tens of seconds per iteration', () => {
    const estimate = estimateIteration(paper, [], wasmOnly, 2)!
    expect(estimate.backend).toBe('wasm')
    // 4×64 ConvLSTM, batch 8, 19 steps: ≈ 0.69 TFLOP per training iteration.
    expect(estimate.gflopPerIteration).toBeCloseTo(693.6, 1)
    expect(estimate.secondsPerIteration).toBeCloseTo(34.7, 1)
    expect(estimate.totalSeconds).toBeCloseTo(estimate.secondsPerIteration * 80_000)
  })

  it('doubles with reverse input and grows with each TMU source', () => {
    const base = estimateIteration(paper, [], wasmOnly, 2)!.gflopPerIteration
    const reversed = RunConfig.parse({ ...paper, train: { ...paper.train, reverseInput: true } })
    expect(estimateIteration(reversed, [], wasmOnly, 2)!.gflopPerIteration).toBeCloseTo(2 * base)
    const withSources = estimateIteration(paper, [paper.model, paper.model], wasmOnly, 2)!
    expect(withSources.gflopPerIteration).toBeCloseTo(base * (1 + 2 / 3))
  })

  it('uses the backend asked for, and says nothing when it is unavailable', () => {
    const onCpu = RunConfig.parse({ ...paper, backend: 'cpu' })
    expect(estimateIteration(onCpu, [], wasmOnly, 2)!.backend).toBe('cpu')
    const onNative = RunConfig.parse({ ...paper, backend: 'tensorflow' })
    expect(estimateIteration(onNative, [], wasmOnly, 2)).toBeNull()
  })
})
