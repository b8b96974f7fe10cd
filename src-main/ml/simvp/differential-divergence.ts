import * as tf from '@tensorflow/tfjs'
import { pairwiseMean } from '../pairwise-sum'
import { sliceTime } from '../time-axis'

/** OpenSTL's `diff_div_reg` temperature τ and ε. */
const TEMPERATURE = 0.1
const EPSILON = 1e-12
const LOG_EPSILON = Math.log(EPSILON)

/** log(eᵃ + eᵇ) without overflow; its gradient is right at a = b too (unlike one through |a − b|). */
function logAddExp(a: tf.Tensor, b: tf.Tensor | number): tf.Tensor {
  return tf.tidy(() => {
    const top = tf.maximum(a, b)
    return tf.add(top, tf.log(tf.add(tf.exp(tf.sub(a, top)), tf.exp(tf.sub(b, top)))))
  })
}

/**
 * TAU's differential divergence regularisation (docs/method.md §2.11), OpenSTL's
 * `diff_div_reg`: the frame-to-frame differences d_t = y_{t+1} − y_t of the predicted and the
 * true sequence, each flattened over [H, W, C], become distributions p = softmax(d̂/τ) and
 * q = softmax(d/τ), and DDR = mean over every element of p·log(p/(q + ε) + ε). 0 when
 * T ≤ 2, as theirs.
 *
 * Computed in log space, the same value: log p and log q from log-softmax, log(q + ε) and
 * log(p/(q + ε) + ε) as log-sum-exps. No ratio, division or log of an underflowed 0 is ever
 * formed, so predictions far outside [0, 1] or identical frames give a finite value and
 * finite gradients.
 */
export function differentialDivergence(
  predictedBTHWC: tf.Tensor5D,
  truthBTHWC: tf.Tensor5D,
): tf.Scalar {
  return tf.tidy(() => {
    const [batch, frames] = predictedBTHWC.shape
    if (frames <= 2) return tf.scalar(0)
    const logDistribution = (y: tf.Tensor5D) => {
      // sliceTime, not a rank-5 slice, which wasm walks element by element (147 ms each at
      // TAU quick's size).
      const next = sliceTime(y, 1, frames - 1)
      const previous = sliceTime(y, 0, frames - 1)
      const gaps = tf.reshape(tf.sub(next, previous), [batch, frames - 1, -1])
      return tf.logSoftmax(tf.div(gaps, TEMPERATURE))
    }
    const logP = logDistribution(predictedBTHWC)
    const logQ = logDistribution(truthBTHWC)
    const logRatio = logAddExp(tf.sub(logP, logAddExp(logQ, LOG_EPSILON)), LOG_EPSILON)
    return pairwiseMean(tf.mul(tf.exp(logP), logRatio)) as tf.Scalar
  })
}
