import * as tf from '@tensorflow/tfjs'

/**
 * A window of the last `slots` tensors of one width, kept folded along channels
 * ([B, h, w, slots·C], oldest first): drops the oldest slot and appends `newest`.
 * MAU's attention windows and E3D-LSTM's input window slide this way.
 */
export function slideWindow(window: tf.Tensor4D, newest: tf.Tensor4D, slots: number): tf.Tensor4D {
  if (slots === 1) return newest
  const channels = newest.shape[3]
  const kept = tf.slice(window, [0, 0, 0, channels], [-1, -1, -1, (slots - 1) * channels])
  return tf.concat([kept, newest], -1)
}
