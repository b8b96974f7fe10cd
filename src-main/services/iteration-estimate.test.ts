import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { RunConfig } from '../api/contract'
import { estimateIteration } from './iteration-estimate'

/**
 * The committed bench figures the estimate is fitted to: the train bench's run of 2026-11-25
 * (kept as it was), and the TMU bench.
 */
function benchResult<T>(name: string): { machine: { cores: number }; result: T } {
  return JSON.parse(readFileSync(new URL(`../../bench/results/${name}`, import.meta.url), 'utf8'))
}
const train = benchResult<{
  rows: {
    cell: 'convlstm' | 'predrnn'
    layers: number
    hidden: number
    batch: number
    engine: string
    threads: number | null
    trainSecondsPerIteration: number | null
  }[]
}>('train-2026-11-25.json')
const tmu = benchResult<{
  backend: { name: string; threads: number }
  sources: number
  rows: {
    label: string
    layers: number
    hidden: number
    batch: number | null
    scratchSecondsPerIteration: number | null
    tmuSecondsPerIteration: number | null
  }[]
}>('tmu.json')

const probes = (name: string) => [{ name, ok: true, detail: 'loads' }]
/** The bench's shapes: 64×64 frames, patch 4, 5×5 kernels, 10 → 10 frames, no reverse input. */
const benchConfig = (backend: string, model: object, batchSize: number) =>
  RunConfig.parse({
    model,
    train: { batchSize, inputFrames: 10, outputFrames: 10, reverseInput: false },
    backend,
  })
const withinFactor = (estimated: number, measured: number, factor: number) =>
  Math.max(estimated / measured, measured / estimated) <= factor

const measuredTrainRows = train.result.rows.filter(
  (r) => r.trainSecondsPerIteration !== null && r.engine !== 'pytorch',
)
const wasmOnly = [
  { name: 'tensorflow', ok: false, detail: 'not installed' },
  { name: 'wasm', ok: true, detail: 'loads' },
  { name: 'cpu', ok: true, detail: 'loads' },
]
const paper = RunConfig.parse({
  model: { hidden: [64, 64, 64, 64] },
  train: { batchSize: 8, iterations: 80_000, reverseInput: false },
})

describe('estimateIteration against bench/results', () => {
  it('has measured rows for onednn and wasm to check against', () => {
    const engines = new Set(measuredTrainRows.map((r) => r.engine))
    expect([...engines].sort()).toEqual(['onednn', 'wasm'])
    expect(measuredTrainRows).toHaveLength(12)
  })

  it.each(
    measuredTrainRows.map(
      (r) => [`${r.engine} ${r.cell} ${r.layers}×${r.hidden} batch ${r.batch}`, r] as const,
    ),
  )('is within 1.5× of the measured seconds per iteration: %s', (_, row) => {
    const config = benchConfig(
      row.engine,
      { cell: row.cell, hidden: Array(row.layers).fill(row.hidden) },
      row.batch,
    )
    const estimate = estimateIteration(config, [], probes(row.engine), row.threads ?? 1)!
    expect(estimate.backend).toBe(row.engine)
    const measured = row.trainSecondsPerIteration!
    expect(
      withinFactor(estimate.secondsPerIteration, measured, 1.5),
      `estimated ${estimate.secondsPerIteration.toFixed(3)} s, measured ${measured} s`,
    ).toBe(true)
  })

  it.each(tmu.result.rows.map((r) => [r.label, r] as const))(
    'prices a TMU run with its sources within 1.5× of tmu.json: %s',
    (_, row) => {
      const { name, threads } = tmu.result.backend
      const hidden = Array(row.layers).fill(row.hidden)
      const source = RunConfig.shape.model.parse({ hidden })
      const scratch = benchConfig(name, { hidden }, row.batch!)
      const target = benchConfig(name, { hidden, tmu: { sources: tmu.result.sources } }, row.batch!)
      const sources = Array(tmu.result.sources).fill(source)
      const pairs = [
        [estimateIteration(scratch, [], probes(name), threads)!, row.scratchSecondsPerIteration!],
        [estimateIteration(target, sources, probes(name), threads)!, row.tmuSecondsPerIteration!],
      ] as const
      for (const [estimate, measured] of pairs) {
        expect(
          withinFactor(estimate.secondsPerIteration, measured, 1.5),
          `estimated ${estimate.secondsPerIteration.toFixed(3)} s, measured ${measured} s`,
        ).toBe(true)
      }
    },
  )
})

describe('estimateIteration', () => {
  it('counts the paper ConvLSTM at ≈ 0.69 TFLOP per iteration, the whole run at 80 000 of them', () => {
    const estimate = estimateIteration(paper, [], wasmOnly, 2)!
    expect(estimate.backend).toBe('wasm')
    expect(estimate.gflopPerIteration).toBeCloseTo(693.6, 1)
    expect(estimate.totalSeconds).toBeCloseTo(estimate.secondsPerIteration * 80_000)
  })

  it('doubles with reverse input and grows with each TMU source', () => {
    const base = estimateIteration(paper, [], wasmOnly, 2)!
    const reversed = RunConfig.parse({ ...paper, train: { ...paper.train, reverseInput: true } })
    const twice = estimateIteration(reversed, [], wasmOnly, 2)!
    expect(twice.gflopPerIteration).toBeCloseTo(2 * base.gflopPerIteration)
    expect(twice.secondsPerIteration).toBeCloseTo(2 * base.secondsPerIteration)
    const withSources = estimateIteration(paper, [paper.model, paper.model], wasmOnly, 2)!
    expect(withSources.gflopPerIteration).toBeCloseTo(base.gflopPerIteration * (1 + 2 / 3))
    expect(withSources.secondsPerIteration).toBeGreaterThan(1.5 * base.secondsPerIteration)
  })

  it('is faster with more threads, up to what the backend uses', () => {
    const at = (cores: number) => estimateIteration(paper, [], wasmOnly, cores)!.secondsPerIteration
    expect(at(4)).toBeLessThan(at(2))
    expect(at(64)).toBeCloseTo(at(8))
  })

  it('uses the backend asked for, and says nothing when it is unavailable', () => {
    const onCpu = RunConfig.parse({ ...paper, backend: 'cpu' })
    expect(estimateIteration(onCpu, [], wasmOnly, 2)!.backend).toBe('cpu')
    const onNative = RunConfig.parse({ ...paper, backend: 'tensorflow' })
    expect(estimateIteration(onNative, [], wasmOnly, 2)).toBeNull()
  })
  it('judges memory as the trainer will: whole, split into micro-batches, or refused', () => {
    const small = estimateIteration(paper, [], wasmOnly, 2)!
    expect(small.memory.refusal).toBeNull()
    const withBatch = (batchSize: number, hidden: number[]) =>
      RunConfig.parse({
        ...paper,
        model: { ...paper.model, hidden },
        train: { ...paper.train, batchSize },
      })
    const split = estimateIteration(withBatch(64, [64, 64, 64, 64]), [], wasmOnly, 2)!
    expect(split.memory).toMatchObject({
      refusal: null,
      note: expect.stringMatching(/micro-batches/),
    })
    // Not one clip of a 4×4096 network fits the wasm heap: refused, naming what to lower.
    const huge = estimateIteration(withBatch(1, [4096, 4096, 4096, 4096]), [], wasmOnly, 2)!
    expect(huge.memory.refusal).toMatch(
      /^needs ~\d+\.\d GB, the wasm backend's heap holds 3\.8 GB: lower hidden channels or layers$/,
    )
    expect(huge.memory.neededBytes).toBeGreaterThan(3.84e9)
  })
})
