import * as tf from '@tensorflow/tfjs'

/**
 * The first `frames` frames of each clip of a uint8 batch [B, T, H, W, C], as float32 in
 * [0, 1]: the trainer's input. Clips longer than the model needs are cut, not refused.
 */
export function clipsToTensor(
  framesBTHWC: Uint8Array,
  shape: readonly [number, number, number, number, number],
  frames: number,
): tf.Tensor5D {
  const [B, T, H, W, C] = shape
  if (T < frames) {
    throw new Error(`clips have ${T} frames, the model needs ${frames} (input + output)`)
  }
  // Cut on the host: a rank-5 slice walks element by element in JavaScript on some backends
  // (ml/time-axis.ts), which made the tiny study's runs on its 20-frame clips measurably slower.
  const used = T === frames ? framesBTHWC : leadingFrames(framesBTHWC, shape, frames)
  return tf.tidy(() => {
    const clips = tf.tensor5d(used, [B, frames, H, W, C], 'int32')
    return tf.div(tf.cast(clips, 'float32'), 255) as tf.Tensor5D
  })
}

/** The first `frames` frames of each clip of [B, T, H, W, C] bytes, as [B, frames, H, W, C]. */
function leadingFrames(
  framesBTHWC: Uint8Array,
  [B, T, H, W, C]: readonly [number, number, number, number, number],
  frames: number,
): Uint8Array {
  const clipSize = frames * H * W * C
  const out = new Uint8Array(B * clipSize)
  for (let b = 0; b < B; b++) {
    out.set(framesBTHWC.subarray(b * T * H * W * C, b * T * H * W * C + clipSize), b * clipSize)
  }
  return out
}

/** Frames [from, from + count) of each clip, as float32 in [0, 1] on the host: the truth. */
export function truthFrames(
  framesBTHWC: Uint8Array,
  shape: readonly [number, number, number, number, number],
  from: number,
  count: number,
): Float32Array {
  const [B, T, H, W, C] = shape
  const frameSize = H * W * C
  const out = new Float32Array(B * count * frameSize)
  for (let b = 0; b < B; b++) {
    const src = (b * T + from) * frameSize
    const slice = framesBTHWC.subarray(src, src + count * frameSize)
    const dst = b * count * frameSize
    for (let i = 0; i < slice.length; i++) out[dst + i] = (slice[i] as number) / 255
  }
  return out
}
