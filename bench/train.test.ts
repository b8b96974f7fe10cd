import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { pytorchUnavailable } from './pytorch-reference'
import { runTrainBench, trainBenchOptionsFromEnv } from './train'

/** Whether the optional package is installed here: the test holds either way. */
function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg)
    return true
  } catch {
    return false
  }
}

const torchMissing = await pytorchUnavailable()

describe('runTrainBench', () => {
  it('times the trainer on wasm, and on tensorflow or says why not', async () => {
    const report = await runTrainBench({
      cases: [{ cell: 'predrnn', shape: { layers: 1, hidden: 4, batch: 1 } }],
      backends: ['tensorflow', 'wasm'],
      pytorch: false,
      warmup: 0,
      timings: 1,
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
    expect(report.table).toMatch(/\| predrnn \| 1×4, 5×5, patch 4, batch 1 \| wasm \| \d+ \|/)
  })

  it.skipIf(torchMissing !== null)(
    `times MIM and TAU alternately with their PyTorch references, from a frame store's batches${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
    async () => {
      const simvp = {
        spatialChannels: 4,
        translatorChannels: 8,
        spatialBlocks: 2,
        translatorBlocks: 2,
        mlpRatio: 2,
      }
      const report = await runTrainBench({
        cases: [
          { cell: 'mim', shape: { layers: 2, hidden: 4, batch: 1, kernel: 3 } },
          // TAU's sizes and DDR weight reach its reference as options; its frames are whole.
          {
            cell: 'tau',
            shape: { layers: 1, hidden: 1, batch: 1, patch: 1, options: { simvp }, ddrWeight: 0.1 },
          },
        ],
        backends: ['wasm'],
        warmup: 1,
        timings: 2,
        log: () => {},
      })
      const [pytorch, wasm] = report.rows
      expect(pytorch).toMatchObject({ engine: 'pytorch', cell: 'mim', kernel: 3, skipped: null })
      expect(pytorch!.trainSecondsPerIteration).toBeGreaterThan(0)
      expect(wasm).toMatchObject({ engine: 'wasm', skipped: null })
      // Two of ours, each followed by one of PyTorch's, for training and for inference.
      expect(wasm!.timings!.train.ours).toHaveLength(2)
      expect(wasm!.timings!.train.reference).toHaveLength(2)
      expect(wasm!.timings!.infer.reference).toHaveLength(2)
      expect(wasm!.trainRatioToPyTorch).toBeGreaterThan(0)
      expect(wasm!.inferRatioToPyTorch).toBeGreaterThan(0)
      const [simvpReference, simvpWasm] = report.rows.slice(2)
      expect(simvpReference).toMatchObject({ engine: 'pytorch', size: 'hid 4/8, N 2/2', patch: 1 })
      expect(simvpReference!.trainSecondsPerIteration).toBeGreaterThan(0)
      expect(simvpWasm!.trainRatioToPyTorch).toBeGreaterThan(0)
    },
  )

  it('skips what would not fit the wasm heap even one clip at a time, saying what to lower', async () => {
    const report = await runTrainBench({
      cases: [{ cell: 'predrnn', shape: { layers: 4, hidden: 512, batch: 8 } }],
      backends: ['wasm'],
      pytorch: false,
      log: () => {},
    })
    expect(report.rows[0]?.skipped).toMatch(/^needs ~[\d.]+ GB, .* lower hidden channels or layers/)
  })

  it('takes its backbones and budget from the environment, and names what it cannot', () => {
    const options = trainBenchOptionsFromEnv({
      TMU_BENCH_CELLS: 'mau, simvp',
      TMU_BENCH_BUDGET: '900',
    })
    expect(new Set(options.cases?.map((c) => c.cell))).toEqual(new Set(['mau', 'simvp']))
    expect(options.cases?.length).toBe(4)
    expect(options.budgetSeconds).toBe(900)
    expect(() => trainBenchOptionsFromEnv({ TMU_BENCH_CELLS: 'mau,lstm' })).toThrow(
      /TMU_BENCH_CELLS: no bench cases for lstm; known: convlstm, predrnn/,
    )
    expect(() => trainBenchOptionsFromEnv({ TMU_BENCH_BUDGET: 'long' })).toThrow(
      'TMU_BENCH_BUDGET: seconds > 0, got "long"',
    )
    expect(trainBenchOptionsFromEnv({})).toEqual({})
  })
})
