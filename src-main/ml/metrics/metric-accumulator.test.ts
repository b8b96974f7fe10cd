import { describe, expect, it } from 'vitest'
import reference from './fixtures/reference-metrics.json'
import { makeReferenceCase } from './fixtures/reference-inputs'
import { createMetricAccumulator } from './metric-accumulator'

const sum = (values: Float32Array) => values.reduce((acc, v) => acc + v, 0)

describe('metrics against numpy / scikit-image (fixtures/make-reference.py)', () => {
  for (const ref of reference.cases) {
    it(ref.name, () => {
      const [n, frames, height, width, channels] = ref.shape as [
        number,
        number,
        number,
        number,
        number,
      ]
      const { predNTHWC, truthNTHWC } = makeReferenceCase(ref.shape, ref.seed, ref.noise)
      expect(sum(predNTHWC)).toBeCloseTo(ref.sumPred, 6)
      expect(sum(truthNTHWC)).toBeCloseTo(ref.sumTruth, 6)

      const metrics = createMetricAccumulator({ frames, height, width, channels })
      // Feed one clip per batch for the first and the rest together: the split must not matter.
      const clipSize = frames * height * width * channels
      metrics.addBatch(predNTHWC.subarray(0, clipSize), truthNTHWC.subarray(0, clipSize))
      if (n > 1) metrics.addBatch(predNTHWC.subarray(clipSize), truthNTHWC.subarray(clipSize))
      const got = metrics.summarize()

      expect(got.clips).toBe(n)
      for (const key of ['mse', 'mae', 'ssim', 'psnr'] as const) {
        got.perClip.forEach((clip, i) => expectClose(clip[key], ref.perClip[i]![key], 1e-9))
        expectClose(got[key], ref.perFrame[key], 1e-9)
      }
      expect(got.meanSsim).toBeCloseTo(mean(ref.perFrame.ssim), 12)
    })
  }
})

describe('metric conventions by hand', () => {
  it('sums squared and absolute error over pixels and channels; PSNR on 8 bits', () => {
    // 8×8×2 frames, truth 0.5 everywhere, prediction 0.25: every pixel is off by 0.25.
    const shape = { frames: 1, height: 8, width: 8, channels: 2 }
    const metrics = createMetricAccumulator(shape)
    metrics.addBatch(new Float32Array(128).fill(0.25), new Float32Array(128).fill(0.5))
    const got = metrics.summarize()
    expect(got.mse[0]).toBe(128 * 0.0625) // a sum (8), not the per-pixel mean 0.0625
    expect(got.mae[0]).toBe(128 * 0.25)
    // uint8: 0.5·255 = 127.5 → 127 and 0.25·255 = 63.75 → 63; error 64 on every pixel.
    expect(got.psnr[0]).toBeCloseTo(20 * Math.log10(255) - 10 * Math.log10(64 * 64), 12)
    // Constant frames: zero variance, SSIM = (2·127·63 + C1) / (127² + 63² + C1).
    const c1 = (0.01 * 255) ** 2
    expect(got.ssim[0]).toBeCloseTo((2 * 127 * 63 + c1) / (127 ** 2 + 63 ** 2 + c1), 12)
  })

  it('clips predictions to [0, 1] before scoring', () => {
    const shape = { frames: 1, height: 7, width: 7, channels: 1 }
    const metrics = createMetricAccumulator(shape)
    const pred = new Float32Array(49).fill(1.5)
    pred[0] = -0.5
    const truth = new Float32Array(49).fill(1)
    truth[0] = 0
    metrics.addBatch(pred, truth)
    const got = metrics.summarize()
    expect(got.mse[0]).toBe(0)
    expect(got.psnr[0]).toBe(Infinity)
    expect(got.ssim[0]).toBe(1)
  })

  it('scores a frame whose prediction holds NaN or ±Inf as NaN, not as a black frame', () => {
    // Three clips of two frames: clip 0 NaN at frame 1, clip 1 +Inf at frame 2, clip 2 −Inf
    // at frame 1.
    const shape = { frames: 2, height: 7, width: 7, channels: 1 }
    const metrics = createMetricAccumulator(shape)
    const pred = new Float32Array(3 * 2 * 49).fill(0.5)
    const truth = new Float32Array(3 * 2 * 49)
    pred[10] = NaN
    pred[3 * 49 + 5] = Infinity
    pred[4 * 49 + 7] = -Infinity // clip 2 starts at value 4·49: its frame 1
    metrics.addBatch(pred, truth)
    const got = metrics.summarize()
    expect(got.perClip.map((clip) => clip.finite)).toEqual([
      [false, true],
      [true, false],
      [false, true],
    ])
    for (const key of ['mse', 'mae', 'ssim', 'psnr'] as const) {
      expect(got.perClip[0]![key][0], key).toBeNaN()
      expect(got.perClip[0]![key][1], key).not.toBeNaN()
      expect(got[key].every(Number.isNaN), key).toBe(true)
    }
    expect(got.meanSsim).toBeNaN()
    expect(got.nonFinite).toEqual([2, 1])
    expect(got.nonFiniteClips).toBe(3)
  })

  it('counts no non-finite predictions for a sound model', () => {
    const metrics = createMetricAccumulator({ frames: 2, height: 7, width: 7, channels: 1 })
    metrics.addBatch(new Float32Array(98).fill(0.3), new Float32Array(98))
    const got = metrics.summarize()
    expect(got.nonFinite).toEqual([0, 0])
    expect(got.nonFiniteClips).toBe(0)
    expect(got.meanSsim).not.toBeNaN()
  })

  it('averages per lead time over clips and keeps each clip', () => {
    const shape = { frames: 2, height: 7, width: 7, channels: 1 }
    const metrics = createMetricAccumulator(shape)
    const truth = new Float32Array(2 * 2 * 49)
    const pred = new Float32Array(2 * 2 * 49)
    pred.fill(0.1, 0, 49) // clip 0, frame 0
    pred.fill(0.2, 3 * 49) // clip 1, frame 1
    metrics.addBatch(pred, truth)
    const got = metrics.summarize()
    const mse00 = 49 * Math.fround(0.1) ** 2
    const mse11 = 49 * Math.fround(0.2) ** 2
    expectClose(got.perClip[0]!.mse, [mse00, 0], 1e-12)
    expectClose(got.perClip[1]!.mse, [0, mse11], 1e-12)
    expectClose(got.mse, [mse00 / 2, mse11 / 2], 1e-12)
    expect(got.meanMse).toBeCloseTo((mse00 + mse11) / 4, 12)
  })

  it('refuses batches that do not match the clip shape', () => {
    const metrics = createMetricAccumulator({ frames: 2, height: 7, width: 7, channels: 1 })
    expect(() => metrics.addBatch(new Float32Array(98), new Float32Array(49))).toThrow(
      'metrics: prediction has 98 values, truth 49',
    )
    expect(() => metrics.addBatch(new Float32Array(50), new Float32Array(50))).toThrow(
      'metrics: 50 values is not a whole number of [2,7,7,1] clips',
    )
    expect(() => createMetricAccumulator({ frames: 1, height: 6, width: 8, channels: 1 })).toThrow(
      'ssim: frame 6×8 is smaller than the 7×7 window',
    )
  })
})

function mean(values: number[]) {
  return values.reduce((a, b) => a + b, 0) / values.length
}

function expectClose(got: number[], want: number[], relative: number) {
  expect(got).toHaveLength(want.length)
  got.forEach((g, i) => {
    const w = want[i]!
    if (Math.abs(g - w) > relative * Math.max(1, Math.abs(w))) {
      expect.fail(`index ${i}: got ${g}, want ${w}`)
    }
  })
}
