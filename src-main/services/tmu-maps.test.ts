import { describe, expect, it } from 'vitest'
import { RunConfig, TMU_MAP_CLIPS, type Input, type Run } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { microConfig, untilStatus, workbenchesPerTest } from '../testing/test-workbench'

const { workbench } = workbenchesPerTest()

/** Two micro sources in the zoo and a dataset with one test clip more than maps are kept for. */
async function setUp(wb: Workbench) {
  const dataset = await wb.call('datasets.generate', {
    name: 'micro digits',
    canvasSize: 16,
    digitSize: 8,
    clipLength: 4,
    digitsPerClip: 1,
    trainClips: 4,
    valClips: 0,
    testClips: TMU_MAP_CLIPS + 1,
  })
  const experiment = await wb.call('experiments.create', { name: 'maps' })
  const config = RunConfig.parse({ ...microConfig({ iterations: 2 }), testClips: null })
  const train = async (name: string, extra: Partial<Input<'runs.create'>> = {}) => {
    const run = await wb.call('runs.create', {
      experimentId: experiment.id,
      name,
      kind: 'scratch',
      datasetId: dataset.id,
      config,
      ...extra,
    })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    return wb.call('runs.get', { id: run.id })
  }
  const sources: Run[] = []
  for (const name of ['one', 'two']) {
    const source = await train(`source ${name}`, { kind: 'source' })
    await wb.call('zoo.add', { runId: source.id, name: `zoo ${name}` })
    sources.push(source)
  }
  const target = (gate: 'sigmoid' | 'softmax') =>
    train(`tmu ${gate}`, {
      kind: 'tmu',
      sourceRunIds: sources.map((s) => s.id),
      config: { ...config, model: { ...config.model, tmu: { sources: 2, gate } } },
    })
  return { sources, target }
}

/** The float32 planes of a reply: [layer][lead time][plane][y][x]. */
function planesOf(maps: { mapsBase64: string }) {
  const bytes = Buffer.from(maps.mapsBase64, 'base64')
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
}

describe('TMU maps of the test clips (docs/method.md §3.10)', () => {
  it('keeps per-pixel gates, distiller departures and |C| frame-locked with the gate means', async () => {
    const wb = workbench()
    const { sources, target } = await setUp(wb)
    for (const gate of ['sigmoid', 'softmax'] as const) {
      const run = await target(gate)
      const maps = (await wb.call('runs.tmuMaps', { id: run.id, clip: 1 }))!
      // 16×16 frames at patch 4; Tout = 2; planes T_1, T_2, |D_1 − C̃|, |D_2 − C̃|, |C|.
      expect(maps).toMatchObject({
        clip: 1,
        layers: [1],
        sources: ['zoo one', 'zoo two'],
        leadTimes: 2,
        height: 4,
        width: 4,
      })
      const values = planesOf(maps)
      const plane = 16
      expect(values).toHaveLength(2 * 5 * plane)
      const at = (t: number, p: number) =>
        values.subarray((t * 5 + p) * plane, (t * 5 + p + 1) * plane)
      const { gateMean } = await wb.call('runs.gates', { id: run.id, clip: 1 })
      for (let t = 0; t < 2; t++) {
        const [g1, g2, d1, d2, c] = [0, 1, 2, 3, 4].map((p) => at(t, p))
        for (const g of [g1!, g2!]) for (const v of g) expect(v).toBeGreaterThanOrEqual(0)
        for (const g of [g1!, g2!]) for (const v of g) expect(v).toBeLessThanOrEqual(1)
        for (const v of [...d1!, ...d2!, ...c!]) {
          expect(Number.isFinite(v)).toBe(true)
          expect(v).toBeGreaterThanOrEqual(0)
        }
        expect(Math.max(...c!)).toBeGreaterThan(0)
        // Softmax gates share each pixel (and channel) between the sources; sigmoids need not.
        const sums = g1!.map((v, i) => v + g2![i]!)
        if (gate === 'softmax') for (const s of sums) expect(s).toBeCloseTo(1, 5)
        else expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true)
        // Lead time t+1+t comes from step Tin − 1 + t (Tin = 2): its map's mean is that step's mean gate.
        for (const [m, g] of [g1!, g2!].entries()) {
          const mean = g.reduce((a, v) => a + v, 0) / plane
          expect(mean).toBeCloseTo(gateMean[0]![m]![1 + t]!, 5)
        }
      }
      // The first TMU_MAP_CLIPS test clips only.
      expect(await wb.call('runs.tmuMaps', { id: run.id, clip: TMU_MAP_CLIPS - 1 })).not.toBeNull()
      expect(await wb.call('runs.tmuMaps', { id: run.id, clip: TMU_MAP_CLIPS })).toBeNull()
    }
    // A run without a TMU has none.
    expect(await wb.call('runs.tmuMaps', { id: sources[0]!.id, clip: 0 })).toBeNull()
  }, 180_000)
})
