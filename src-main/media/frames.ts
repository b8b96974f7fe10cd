import type { ClipFrames } from '../api/contract/datasets'
import { bytesFromBase64 } from './base64'

/** A clip's bytes, uint8 [T, H, W, C] row-major, as the contract ships them. */
export interface Clip {
  shape: [T: number, H: number, W: number, C: number]
  bytes: Uint8Array
}

export function decodeClip(frames: ClipFrames): Clip {
  const bytes = bytesFromBase64(frames.framesBase64)
  const [T, H, W, C] = frames.shape
  if (bytes.length !== T * H * W * C) {
    throw new Error(`clip: ${bytes.length} bytes do not fill [${frames.shape.join(', ')}]`)
  }
  return { shape: frames.shape, bytes }
}

/** Frame t's H·W·C bytes (a view, no copy). */
export function frameBytes(clip: Clip, t: number): Uint8Array {
  const [, H, W, C] = clip.shape
  const size = H * W * C
  return clip.bytes.subarray(t * size, (t + 1) * size)
}

/** Frame t as canvas RGBA: one channel is grey, three are RGB, others show channel 0 as grey. */
export function frameToRgba(clip: Clip, t: number): Uint8ClampedArray<ArrayBuffer> {
  const [, H, W, C] = clip.shape
  const src = frameBytes(clip, t)
  const out = new Uint8ClampedArray(H * W * 4)
  const rgb = C >= 3
  for (let p = 0, s = 0; p < out.length; p += 4, s += C) {
    out[p] = src[s]!
    out[p + 1] = src[rgb ? s + 1 : s]!
    out[p + 2] = src[rgb ? s + 2 : s]!
    out[p + 3] = 255
  }
  return out
}

/** The C channel values at (x, y) of frame t. */
export function pixelAt(clip: Clip, t: number, x: number, y: number): number[] {
  const [, , W, C] = clip.shape
  const frame = frameBytes(clip, t)
  return Array.from(frame.subarray((y * W + x) * C, (y * W + x + 1) * C))
}

/** Frames [from, from + count) of a clip, sharing its bytes. */
export function sliceClip(clip: Clip, from: number, count: number): Clip {
  const [, H, W, C] = clip.shape
  const size = H * W * C
  return { shape: [count, H, W, C], bytes: clip.bytes.subarray(from * size, (from + count) * size) }
}

/**
 * The clip run on to `frames` frames with black ones (or cut to them): a truth that ends
 * before a prediction's horizon still lines up with it, frame for frame.
 */
export function padClip(clip: Clip, frames: number): Clip {
  const [T, H, W, C] = clip.shape
  if (T === frames) return clip
  const bytes = new Uint8Array(frames * H * W * C)
  bytes.set(clip.bytes.subarray(0, Math.min(T, frames) * H * W * C))
  return { shape: [frames, H, W, C], bytes }
}
