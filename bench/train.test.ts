import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { runTrainBench } from './train'

/** Whether the optional package is installed here: the test holds either way. */
function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg)
    return true
  } catch {
    return false
  }
}

describe('runTrainBench', () => {
  it('times the trainer on wasm, and on tensorflow or says why not', async () => {
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
    expect(native?.engine).toBe('tensorflow')
    if (!resolves('@tensorflow/tfjs-node')) {
      expect(native?.skipped).toMatch(/^@tensorflow\/tfjs-node is not installed/)
    } else if (native?.skipped === null) {
      expect(native.trainSecondsPerIteration).toBeGreaterThan(0)
    } else {
      // Installed but it does not load here: the row says why, and not that it is absent.
      expect(native?.skipped).toMatch(/^(libtensorflow missing|@tensorflow\/tfjs-node failed)/)
    }
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
