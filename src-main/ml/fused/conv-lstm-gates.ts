import * as tf from '@tensorflow/tfjs'
import { hasFusedKernel, registerGradientOnce } from './fused-kernel'

/**
 * The pointwise half of a ConvLSTM step (docs/method.md §2.1), from the gate pre-activations
 * [i, f, o, g] along channels:
 *   C_t = σ(f)⊙C_{t−1} + σ(i)⊙tanh(g),   H_t = σ(o)⊙tanh(C_t)
 *
 * As tensor ops this is a split, four activations, five products and sums, and about as many
 * again for the gradient: dozens of small kernels per layer and step, whose per-call cost
 * dominates small models. A backend that registers the fused kernels below (onednn does)
 * runs it as one pass forward and one backward; every other backend runs the tensor ops.
 */

export const CONV_LSTM_GATES = 'TmuConvLstmGates'
export const CONV_LSTM_GATES_GRAD = 'TmuConvLstmGatesGrad'

export function convLstmGatesComposite(gates: tf.Tensor4D, cPrev: tf.Tensor4D) {
  return tf.tidy(() => {
    const [i, f, o, g] = tf.split(gates, 4, -1) as [
      tf.Tensor4D,
      tf.Tensor4D,
      tf.Tensor4D,
      tf.Tensor4D,
    ]
    const c = tf.add(tf.mul(tf.sigmoid(f), cPrev), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor4D
    const h = tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor4D
    return { c, h }
  })
}

const gradient: tf.GradConfig = {
  kernelName: CONV_LSTM_GATES,
  inputsToSave: ['gates', 'cPrev'],
  gradFunc: (dy, saved) => {
    // The tape hands zeros for an output nothing downstream used (c after the last step).
    const [dc, dh] = dy as tf.Tensor[]
    const [gates, cPrev] = saved as [tf.Tensor, tf.Tensor]
    const [dGates, dCPrev] = tf
      .engine()
      .runKernel(CONV_LSTM_GATES_GRAD, { gates, cPrev, dc: dc!, dh: dh! }, {}) as tf.Tensor[]
    return { gates: () => dGates!, cPrev: () => dCPrev! }
  },
}

/** C_t and H_t: fused where the active backend has the kernel, tensor ops elsewhere. */
export function convLstmGates(
  gates: tf.Tensor4D,
  cPrev: tf.Tensor4D,
): { c: tf.Tensor4D; h: tf.Tensor4D } {
  if (!hasFusedKernel(CONV_LSTM_GATES)) return convLstmGatesComposite(gates, cPrev)
  registerGradientOnce(gradient)
  // Kernel inputs: gates [B, h, w, 4C] (i, f, o, g) and cPrev [B, h, w, C]; outputs c, h.
  const [c, h] = tf.engine().runKernel(CONV_LSTM_GATES, { gates, cPrev }, {}) as tf.Tensor4D[]
  return { c: c!, h: h! }
}
