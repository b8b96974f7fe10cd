import { clipUnit, quantize8bit } from './quantize'
import { createSsimScorer } from './ssim'

/** Size of one clip of predicted frames: T lead times of H×W×C. */
export interface ClipShape {
  frames: number
  height: number
  width: number
  channels: number
}

/** One clip's scores, index j = lead time j + 1 (docs/method.md §5). */
export interface ClipMetrics {
  /** Sum over pixels and channels of (x − x̂)² on [0, 1]. */
  mse: number[]
  /** Sum over pixels and channels of |x − x̂| on [0, 1]. */
  mae: number[]
  ssim: number[]
  /** dB on 8-bit frames; Infinity where the 8-bit frames are identical. */
  psnr: number[]
  /**
   * False where the predicted frame holds a NaN or ±Inf: its four scores are then NaN, since
   * clipping would make NaN a black frame (and +Inf a white one) and score it as a picture.
   */
  finite: boolean[]
}

/** Scores the clip starting at `offset` (in values) of arrays laid out [.., T, H, W, C]. */
export type ClipScorer = (
  predTHWC: Float32Array,
  truthTHWC: Float32Array,
  offset: number,
) => ClipMetrics

const PEAK_DB = 20 * Math.log10(255)

export function createClipScorer(shape: ClipShape): ClipScorer {
  const { frames, height, width, channels } = shape
  const frameSize = height * width * channels
  const pred8 = new Uint8Array(frameSize)
  const truth8 = new Uint8Array(frameSize)
  const ssim = createSsimScorer(height, width, channels)

  return (pred, truth, offset) => {
    const scores: ClipMetrics = { mse: [], mae: [], ssim: [], psnr: [], finite: [] }
    for (let j = 0; j < frames; j++) {
      const start = offset + j * frameSize
      let squared = 0
      let absolute = 0
      let finite = true
      for (let i = start; i < start + frameSize; i++) {
        const p = pred[i]!
        if (!Number.isFinite(p)) finite = false
        const d = clipUnit(p) - truth[i]!
        squared += d * d
        absolute += Math.abs(d)
      }
      scores.finite.push(finite)
      if (!finite) {
        for (const key of ['mse', 'mae', 'ssim', 'psnr'] as const) scores[key].push(NaN)
        continue
      }
      quantize8bit(pred, start, pred8)
      quantize8bit(truth, start, truth8)
      let squared8 = 0
      for (let i = 0; i < frameSize; i++) {
        const d = pred8[i]! - truth8[i]!
        squared8 += d * d
      }
      scores.mse.push(squared)
      scores.mae.push(absolute)
      scores.ssim.push(ssim(pred8, truth8))
      // log10(0) = −Infinity, so identical frames give +Infinity, as numpy does.
      scores.psnr.push(PEAK_DB - 10 * Math.log10(squared8 / frameSize))
    }
    return scores
  }
}
