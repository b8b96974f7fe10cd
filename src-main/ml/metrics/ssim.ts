/**
 * SSIM on 8-bit frames with scikit-image `structural_similarity` defaults (docs/method.md §5.1):
 * 7×7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance (× N/(N−1)), data_range = 255,
 * mean over the region skimage keeps after cropping (7−1)/2 pixels from each border, then
 * mean over channels.
 *
 * Only windows lying wholly inside the frame survive that crop, so the filter's border mode
 * never matters and window sums come from integral images: exact on 8-bit integers, O(H·W).
 */

const WINDOW = 7
const PAD = (WINDOW - 1) / 2
const WINDOW_PIXELS = WINDOW * WINDOW
const COV_NORM = WINDOW_PIXELS / (WINDOW_PIXELS - 1)
const C1 = (0.01 * 255) ** 2
const C2 = (0.03 * 255) ** 2

/** Scores frames of one size; reuses its integral-image buffers across calls. */
export type SsimScorer = (aHWC: Uint8Array, bHWC: Uint8Array) => number

export function createSsimScorer(height: number, width: number, channels: number): SsimScorer {
  if (height < WINDOW || width < WINDOW) {
    throw new Error(`ssim: frame ${height}×${width} is smaller than the ${WINDOW}×${WINDOW} window`)
  }
  const stride = width + 1
  const size = (height + 1) * stride
  // Integral images of a, b, a², b², a·b; row 0 and column 0 stay zero.
  const sa = new Float64Array(size)
  const sb = new Float64Array(size)
  const saa = new Float64Array(size)
  const sbb = new Float64Array(size)
  const sab = new Float64Array(size)

  function channelSsim(a: Uint8Array, b: Uint8Array, channel: number): number {
    for (let y = 0; y < height; y++) {
      let ra = 0
      let rb = 0
      let raa = 0
      let rbb = 0
      let rab = 0
      for (let x = 0; x < width; x++) {
        const pixel = (y * width + x) * channels + channel
        const va = a[pixel]!
        const vb = b[pixel]!
        ra += va
        rb += vb
        raa += va * va
        rbb += vb * vb
        rab += va * vb
        const below = (y + 1) * stride + x + 1
        const above = below - stride
        sa[below] = sa[above]! + ra
        sb[below] = sb[above]! + rb
        saa[below] = saa[above]! + raa
        sbb[below] = sbb[above]! + rbb
        sab[below] = sab[above]! + rab
      }
    }
    const windowSum = (s: Float64Array, top: number, left: number) => {
      const t = top * stride + left
      const b = (top + WINDOW) * stride + left
      return s[b + WINDOW]! - s[b]! - s[t + WINDOW]! + s[t]!
    }
    let total = 0
    for (let top = 0; top + WINDOW <= height; top++) {
      for (let left = 0; left + WINDOW <= width; left++) {
        const ux = windowSum(sa, top, left) / WINDOW_PIXELS
        const uy = windowSum(sb, top, left) / WINDOW_PIXELS
        const uxx = windowSum(saa, top, left) / WINDOW_PIXELS
        const uyy = windowSum(sbb, top, left) / WINDOW_PIXELS
        const uxy = windowSum(sab, top, left) / WINDOW_PIXELS
        const vx = COV_NORM * (uxx - ux * ux)
        const vy = COV_NORM * (uyy - uy * uy)
        const vxy = COV_NORM * (uxy - ux * uy)
        total += ((2 * ux * uy + C1) * (2 * vxy + C2)) / ((ux * ux + uy * uy + C1) * (vx + vy + C2))
      }
    }
    return total / ((height - 2 * PAD) * (width - 2 * PAD))
  }

  return (aHWC, bHWC) => {
    let sum = 0
    for (let c = 0; c < channels; c++) sum += channelSsim(aHWC, bHWC, c)
    return sum / channels
  }
}
