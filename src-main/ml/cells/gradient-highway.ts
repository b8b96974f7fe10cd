import * as tf from '@tensorflow/tfjs'
import type { ParamBuilder } from '../params'
import { createNormedConv, normedConv, type NormedConv } from './normed-conv'

/**
 * Gradient Highway Unit (PredRNN++, Wang et al. 2018, eq. 4), docs/method.md §2.6; tensors
 * [B, h, w, ch]. It sits between layers 1 and 2 of a PredRNN++ stack: it reads layer 1's H_t,
 * carries its own state Z across time steps, and layer 2 reads Z_t instead of H_t, so a
 * gradient can skip the deep-in-time path through the upper layers:
 *   [p, u] = split2( Conv_x(H^1_t) + Conv_z(Z_{t-1}) )      (each conv then LN if on)
 *   Z_t = σ(u)⊙tanh(p) + (1 − σ(u))⊙Z_{t-1}
 * Z starts at zero, as every state (docs/method.md §2.4).
 *
 * PyTorch names under `gradient_highway.`, as OpenSTL's `GHU` (bias-free k×k convolutions, each
 * an `nn.Sequential(conv[, LayerNorm])`): `x_concat.0.weight`, `z_concat.0.weight`, with layer
 * norm `<name>.1.weight`/`.bias`. Kernels start ~ U(−0.001, 0.001), the release's initializer.
 */

/** The GHU's kernel init bound (OpenSTL's and the TensorFlow release's `initializer`). */
export const HIGHWAY_INIT_BOUND = 0.001

export interface GradientHighway {
  /** Channels of Z, equal to layer 1's hidden width. */
  readonly channels: number
  /** [k, k, channels, 2·channels] */
  readonly convX: NormedConv
  /** [k, k, channels, 2·channels] */
  readonly convZ: NormedConv
}

export interface HighwayGeometry {
  readonly channels: number
  readonly kernelSize: number
  readonly heightPatches: number
  readonly widthPatches: number
  readonly layerNorm: boolean
}

/** Z_t from layer 1's H_t and Z_{t-1}, inside its own tidy. */
export function highwayStep(w: GradientHighway, h: tf.Tensor4D, zPrev: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const gates = tf.add(normedConv(w.convX, h), normedConv(w.convZ, zPrev))
    const [p, u] = tf.split(gates, 2, -1) as [tf.Tensor4D, tf.Tensor4D]
    const open = tf.sigmoid(u)
    return tf.add(tf.mul(open, tf.tanh(p)), tf.mul(tf.sub(1, open), zPrev)) as tf.Tensor4D
  })
}

/**
 * The GHU's weights; `params` already prefixes `gradient_highway.`. OpenSTL's layer norm here is
 * declared over [channels, h, w] while its convolutions give 2·channels, so it cannot run;
 * ours normalises the 2·channels the convolution gives (docs/method.md §2.6).
 */
export function createGradientHighway(g: HighwayGeometry, params: ParamBuilder): GradientHighway {
  const { channels } = g
  const conv = (name: string) =>
    createNormedConv(g, params, name, channels, 2 * channels, HIGHWAY_INIT_BOUND)
  // OpenSTL's creation order: z_concat, then x_concat.
  const convZ = conv('z_concat')
  const convX = conv('x_concat')
  return { channels, convX, convZ }
}
