import { describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import {
  MemoryBudgetError,
  WASM_HEAP_LIMIT_BYTES,
  assertFitsBackend,
  estimateTrainingMemoryBytes,
  planBatch,
} from './memory'

const predrnn = (hidden: number[]) => ModelConfig.parse({ cell: 'predrnn', hidden })
const batch = (batchSize: number) => TrainConfig.parse({ batchSize })

describe('estimateTrainingMemoryBytes', () => {
  it('matches the measured PredRNN 4×64 batch 4 peak (3.42 GB) within 5 %', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([64, 64, 64, 64]), batch(4))
    expect(Math.abs(estimate.totalBytes / 3.42e9 - 1)).toBeLessThan(0.05)
  })

  it('counts the paper ConvLSTM parameters (docs/method.md §3.9: 2 971 648) × weights, grads, Adam', () => {
    const estimate = estimateTrainingMemoryBytes(ModelConfig.parse({}), batch(8))
    expect(estimate.parameterBytes).toBe(2_971_648 * 4 * 4)
  })

  it('counts the TMU target (docs/method.md §3.9: 3 498 112 for M = 2 at layer 1), norms included', () => {
    const tmu = ModelConfig.parse({ tmu: { sources: 2 } })
    expect(estimateTrainingMemoryBytes(tmu, batch(8)).parameterBytes).toBe(3_498_112 * 4 * 4)
    // PredRNN 4×64 with layer norm: 6 049 792 weights + 4 layers × 2 × 15h × 16 × 16 of norm.
    const normed = ModelConfig.parse({ cell: 'predrnn', layerNorm: true })
    expect(estimateTrainingMemoryBytes(normed, batch(8)).parameterBytes).toBe(8_015_872 * 4 * 4)
  })

  it('counts the M transfer of a PredRNN target (docs/method.md §3.9: 6 840 576) and its activations', () => {
    const plain = ModelConfig.parse({ cell: 'predrnn', tmu: { sources: 2 } })
    const withM = ModelConfig.parse({ cell: 'predrnn', tmu: { sources: 2, transferM: true } })
    const estimate = estimateTrainingMemoryBytes(withM, batch(8))
    expect(estimate.parameterBytes).toBe(6_840_576 * 4 * 4)
    // A second set of gates, distillers and mixes on M, per source: more kept per sample.
    expect(estimate.bytesPerSample).toBeGreaterThan(
      estimateTrainingMemoryBytes(plain, batch(8)).bytesPerSample,
    )
  })

  it('grows linearly with batch', () => {
    const model = predrnn([32, 32])
    const one = estimateTrainingMemoryBytes(model, batch(1))
    const five = estimateTrainingMemoryBytes(model, batch(5))
    expect(five.activationBytes).toBeCloseTo(5 * one.activationBytes, 0)
  })
})

describe("SimVP's and TAU's estimate", () => {
  const openStl = (cell: 'simvp' | 'tau') =>
    ModelConfig.parse({
      cell,
      patchSize: 1,
      simvp: {
        spatialChannels: 64,
        translatorChannels: 512,
        spatialBlocks: 4,
        translatorBlocks: 8,
      },
    })
  const sixteen = TrainConfig.parse({ batchSize: 16, etaStart: 0 })

  it.each(['simvp', 'tau'] as const)(
    '%s at OpenSTL size trains on onednn in micro-batches of 1, and is refused on wasm',
    (cell) => {
      const model = openStl(cell)
      const onOneDnn = estimateTrainingMemoryBytes(model, sixteen, { name: 'onednn' })
      expect(planBatch({ name: 'onednn' }, onOneDnn).microBatchSize).toBe(1)
      const onWasm = estimateTrainingMemoryBytes(model, sixteen, { name: 'wasm' })
      expect(() => planBatch({ name: 'wasm' }, onWasm)).toThrow(MemoryBudgetError)
    },
  )
})

describe('assertFitsBackend', () => {
  it('lets the configurations compute-notes ran on wasm through', () => {
    for (const [hidden, b] of [
      [[64, 64, 64, 64], 4],
      [[32, 32, 32, 32], 8],
      [[16, 16], 4],
    ] as const) {
      const estimate = estimateTrainingMemoryBytes(predrnn([...hidden]), batch(b))
      expect(() => assertFitsBackend({ name: 'wasm' }, estimate)).not.toThrow()
    }
  })

  it('refuses the paper PredRNN at batch 8 on wasm, naming the batch that fits', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([64, 64, 64, 64]), batch(8))
    let error: unknown
    try {
      assertFitsBackend({ name: 'wasm' }, estimate)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(MemoryBudgetError)
    expect((error as MemoryBudgetError).message).toBe(
      "needs ~6.8 GB, the wasm backend's heap holds 3.8 GB: lower batch size to 4 or hidden channels",
    )
    expect((error as MemoryBudgetError).limitBytes).toBe(WASM_HEAP_LIMIT_BYTES)
  })

  it('does not guess GPU memory', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([64, 64, 64, 64]), batch(64))
    expect(() => assertFitsBackend({ name: 'tensorflow-gpu' }, estimate)).not.toThrow()
  })
})

describe('planBatch', () => {
  it('runs a batch that fits whole', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([32, 32, 32, 32]), batch(8))
    expect(planBatch({ name: 'onednn' }, estimate)).toEqual({ microBatchSize: 8, note: null })
  })

  it('splits the paper PredRNN at batch 8 into two micro-batches of 4 on the wasm heap', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([64, 64, 64, 64]), batch(8))
    for (const name of ['onednn', 'wasm'] as const) {
      expect(planBatch({ name }, estimate)).toEqual({
        microBatchSize: 4,
        note: "batch 8 runs as 2 micro-batches of up to 4 (needs ~6.8 GB, the wasm backend's heap holds 3.8 GB); their gradients are summed, so each update is the same",
      })
    }
  })

  it('makes the parts as even as the count allows: 9 clips that allow 4 run as 3 + 3 + 3', () => {
    const estimate = estimateTrainingMemoryBytes(predrnn([64, 64, 64, 64]), batch(9))
    expect(planBatch({ name: 'wasm' }, estimate).microBatchSize).toBe(3)
  })

  it('refuses only when not even one clip fits', () => {
    const huge = ModelConfig.parse({ cell: 'predrnn', hidden: [512, 512, 512, 512] })
    const estimate = estimateTrainingMemoryBytes(huge, batch(8))
    expect(() => planBatch({ name: 'wasm' }, estimate)).toThrow(
      /the wasm backend's heap holds 3\.8 GB: lower hidden channels or layers/,
    )
  })
})

describe('the E3D-LSTM estimate', () => {
  it('grows with the recall, the square of the positions: its quick preset fits wasm, OpenSTL’s does not', () => {
    const e3d = (patchSize: number) =>
      ModelConfig.parse({ cell: 'e3d', hidden: [16, 16], patchSize })
    const activations = (p: number) => estimateTrainingMemoryBytes(e3d(p), batch(4)).activationBytes
    // 16×16 against 8×8 positions: 4× the positions, the recall 16× of it.
    expect(activations(4) / activations(8)).toBeGreaterThan(8)
    expect(() =>
      assertFitsBackend({ name: 'wasm' }, estimateTrainingMemoryBytes(e3d(8), batch(4))),
    ).not.toThrow()
    const openstl = ModelConfig.parse({ cell: 'e3d', hidden: [128, 128, 128, 128] })
    expect(() =>
      assertFitsBackend({ name: 'wasm' }, estimateTrainingMemoryBytes(openstl, batch(16))),
    ).toThrow(MemoryBudgetError)
  })
})
