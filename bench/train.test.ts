import { describe, expect, it } from 'vitest'
import { runTrainBench } from './train'

describe('runTrainBench', () => {
  it('times the trainer on wasm and explains every skipped backend', async () => {
    const report = await runTrainBench({
      shapes: [{ layers: 1, hidden: 4, batch: 1 }],
      cells: ['predrnn'],
      backends: ['tensorflow', 'wasm'],
      pytorch: false,
      warmup: 0,
      iterations: 1,
      log: () => {},
    })
    const [native, wasm] = report.rows
    expect(native).toMatchObject({
      engine: 'tensorflow',
      skipped: expect.stringMatching(/not installed/),
    })
    expect(wasm).toMatchObject({ engine: 'wasm', skipped: null, trainRatioToPyTorch: null })
    expect(wasm?.trainSecondsPerIteration).toBeGreaterThan(0)
    expect(wasm?.trainGflopPerSecond).toBeGreaterThan(0)
    expect(report.table).toMatch(/\| predrnn \| 1×4, 1 \| wasm \| \d+ \|/)
  })

  it('skips what would not fit the wasm heap even one clip at a time, saying what to lower', async () => {
    const report = await runTrainBench({
      shapes: [{ layers: 4, hidden: 512, batch: 8 }],
      cells: ['predrnn'],
      backends: ['wasm'],
      pytorch: false,
      log: () => {},
    })
    expect(report.rows[0]?.skipped).toMatch(/^needs ~[\d.]+ GB, .* lower hidden channels or layers/)
  })
})
