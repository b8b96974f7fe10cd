import * as tf from '@tensorflow/tfjs'

/**
 * Slicing a clip [B, T, h, w, c] along time through a rank-3 view [B, T, h·w·c]. The wasm
 * backend slices natively only up to rank 4 and walks rank-5 slices element by element in
 * JavaScript: one training iteration at 4×32, batch 8 spent 1.1 s of 5.9 s there.
 */

function asRank3(clip: tf.Tensor5D): tf.Tensor3D {
  const [B, T] = clip.shape
  return clip.reshape([B, T, -1])
}

/** Frames start … start + count − 1 of every clip. */
export function sliceTime(clip: tf.Tensor5D, start: number, count: number): tf.Tensor5D {
  const [B, , h, w, c] = clip.shape
  return tf.tidy(() => asRank3(clip).slice([0, start], [-1, count]).reshape([B, count, h, w, c]))
}

/** The clip as T frames [B, h, w, c]. */
export function unstackTime(clip: tf.Tensor5D): tf.Tensor4D[] {
  const [B, , h, w, c] = clip.shape
  return tf.tidy(() =>
    tf.unstack(asRank3(clip), 1).map((frame) => frame.reshape([B, h, w, c]) as tf.Tensor4D),
  )
}

/** Frames [B, h, w, c] stacked into a clip; its gradient unstacks the rank-3 view too. */
export function stackTime(frames: readonly tf.Tensor4D[]): tf.Tensor5D {
  const first = frames[0]
  if (!first) throw new Error('stackTime: no frames')
  const [B, h, w, c] = first.shape
  return tf.tidy(() =>
    tf
      .stack(
        frames.map((frame) => frame.reshape([B, -1])),
        1,
      )
      .reshape([B, frames.length, h, w, c]),
  )
}
