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
  return tf.tidy(() => {
    const all = tf.tensor5d(framesBTHWC, [B, T, H, W, C], 'int32')
    const used = T === frames ? all : all.slice([0, 0], [B, frames])
    return tf.div(tf.cast(used, 'float32'), 255) as tf.Tensor5D
  })
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
