import { createClipScorer, type ClipMetrics, type ClipShape } from './clip-scorer'

/**
 * Test-set scores (docs/method.md §5): per lead time, the mean over clips; `meanX` is the mean of
 * those over lead times. PSNR is averaged in dB per clip (PredRNN's `batch_psnr`), so one
 * clip with identical 8-bit frames makes that lead time's mean Infinity, as numpy would.
 * Likewise one non-finite prediction makes its lead time's means NaN (JSON carries NaN and
 * Infinity as null, hence the counts in `nonFinite`).
 */
export interface MetricSummary {
  clips: number
  mse: number[]
  mae: number[]
  ssim: number[]
  psnr: number[]
  meanMse: number
  meanMae: number
  meanSsim: number
  meanPsnr: number
  /** Per lead time, the clips whose predicted frame held a NaN or ±Inf (scored NaN). */
  nonFinite: number[]
  /** Clips with a NaN or ±Inf in any predicted frame: a diverged model, not a bad one. */
  nonFiniteClips: number
  /** Per clip, in the order the clips were added (for ranking clips between two runs). */
  perClip: ClipMetrics[]
}

export interface MetricAccumulator {
  /** Scores a batch of N clips laid out [N, T, H, W, C]; N follows from the length. */
  addBatch(predNTHWC: Float32Array, truthNTHWC: Float32Array): void
  summarize(): MetricSummary
}

const KEYS = ['mse', 'mae', 'ssim', 'psnr'] as const

export function createMetricAccumulator(shape: ClipShape): MetricAccumulator {
  const clipSize = shape.frames * shape.height * shape.width * shape.channels
  const scoreClip = createClipScorer(shape)
  const perClip: ClipMetrics[] = []

  return {
    addBatch(pred, truth) {
      if (pred.length !== truth.length) {
        throw new Error(`metrics: prediction has ${pred.length} values, truth ${truth.length}`)
      }
      if (pred.length % clipSize !== 0) {
        const { frames: t, height: h, width: w, channels: c } = shape
        throw new Error(
          `metrics: ${pred.length} values is not a whole number of [${t},${h},${w},${c}] clips`,
        )
      }
      for (let offset = 0; offset < pred.length; offset += clipSize) {
        perClip.push(scoreClip(pred, truth, offset))
      }
    },
    summarize() {
      const perFrame = (key: (typeof KEYS)[number]) =>
        Array.from({ length: shape.frames }, (_, j) => mean(perClip.map((clip) => clip[key][j]!)))
      const [mse, mae, ssim, psnr] = KEYS.map(perFrame) as [number[], number[], number[], number[]]
      const nonFinite = Array.from(
        { length: shape.frames },
        (_, j) => perClip.filter((clip) => !clip.finite[j]).length,
      )
      return {
        clips: perClip.length,
        mse,
        mae,
        ssim,
        psnr,
        meanMse: mean(mse),
        meanMae: mean(mae),
        meanSsim: mean(ssim),
        meanPsnr: mean(psnr),
        nonFinite,
        nonFiniteClips: perClip.filter((clip) => clip.finite.includes(false)).length,
        perClip: perClip.map((clip) => ({
          mse: [...clip.mse],
          mae: [...clip.mae],
          ssim: [...clip.ssim],
          psnr: [...clip.psnr],
          finite: [...clip.finite],
        })),
      }
    },
  }
}

/** NaN for no values, so an empty test set reads as "no score", not as a perfect 0. */
function mean(values: number[]): number {
  let sum = 0
  for (const v of values) sum += v
  return sum / values.length
}
