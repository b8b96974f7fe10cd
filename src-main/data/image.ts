/** Frame-level pixel operations shared by the generator and the importers; frames are HWC uint8. */

export interface FrameSize {
  height: number
  width: number
}

/** For one axis: the input pixels and weights that make each output pixel. */
interface AxisTaps {
  start: Int32Array
  count: Int32Array
  weights: Float32Array
  stride: number
}

/**
 * Triangle (bilinear) taps widened by the scale factor when shrinking, so that every input pixel
 * contributes: plain bilinear sampling would alias (drop strokes) when shrinking a lot.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize
  const support = Math.max(1, scale)
  const stride = Math.ceil(support) * 2 + 1
  const start = new Int32Array(outSize)
  const count = new Int32Array(outSize)
  const weights = new Float32Array(outSize * stride)
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale
    const lo = Math.max(0, Math.floor(center - support))
    const hi = Math.min(inSize, Math.ceil(center + support))
    let total = 0
    let n = 0
    for (let i = lo; i < hi && n < stride; i++, n++) {
      const w = Math.max(0, 1 - Math.abs(i + 0.5 - center) / support)
      weights[o * stride + n] = w
      total += w
    }
    for (let k = 0; k < n; k++)
      weights[o * stride + k] = (weights[o * stride + k] as number) / total
    start[o] = lo
    count[o] = n
  }
  return { start, count, weights, stride }
}

/** Resizes an HWC uint8 frame (separable, antialiased bilinear). */
export function resizeFrame(
  src: Uint8Array,
  from: FrameSize,
  channels: number,
  to: FrameSize,
): Uint8Array {
  if (from.height === to.height && from.width === to.width) return src
  const tx = axisTaps(from.width, to.width)
  const ty = axisTaps(from.height, to.height)
  const rows = new Float32Array(from.height * to.width * channels)
  for (let y = 0; y < from.height; y++) {
    for (let x = 0; x < to.width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0
        for (let k = 0; k < (tx.count[x] as number); k++) {
          const sx = (tx.start[x] as number) + k
          acc +=
            (tx.weights[x * tx.stride + k] as number) *
            (src[(y * from.width + sx) * channels + c] as number)
        }
        rows[(y * to.width + x) * channels + c] = acc
      }
    }
  }
  const out = new Uint8Array(to.height * to.width * channels)
  for (let y = 0; y < to.height; y++) {
    for (let x = 0; x < to.width; x++) {
      for (let c = 0; c < channels; c++) {
        let acc = 0
        for (let k = 0; k < (ty.count[y] as number); k++) {
          const sy = (ty.start[y] as number) + k
          acc +=
            (ty.weights[y * ty.stride + k] as number) *
            (rows[(sy * to.width + x) * channels + c] as number)
        }
        out[(y * to.width + x) * channels + c] = Math.min(255, Math.max(0, Math.round(acc)))
      }
    }
  }
  return out
}

/**
 * Converts between channel counts: 1 (gray), 2 (gray+alpha), 3 (RGB), 4 (RGBA) in, 1 or 3 out.
 * Alpha is dropped; RGB → gray uses the ITU-R BT.601 luma weights, as ffmpeg's `gray` and
 * PIL's `L` do, so imported images and videos agree.
 */
export function convertChannels(
  src: Uint8Array,
  pixels: number,
  from: number,
  to: 1 | 3,
): Uint8Array {
  if (from === to) return src
  const out = new Uint8Array(pixels * to)
  for (let p = 0; p < pixels; p++) {
    const s = p * from
    if (from <= 2) {
      const v = src[s] as number
      if (to === 1) out[p] = v
      else out.fill(v, p * 3, p * 3 + 3)
    } else if (to === 1) {
      const r = src[s] as number
      const g = src[s + 1] as number
      const b = src[s + 2] as number
      out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b)
    } else {
      out[p * 3] = src[s] as number
      out[p * 3 + 1] = src[s + 1] as number
      out[p * 3 + 2] = src[s + 2] as number
    }
  }
  return out
}
