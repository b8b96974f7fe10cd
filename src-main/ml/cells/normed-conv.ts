import * as tf from '@tensorflow/tfjs'
import type { LayerNormWeights, ParamBuilder } from '../params'
import { layerNorm } from './layer-norm'
import type { LayerSpec } from './recurrent-cell'

/**
 * A k×k convolution without bias, with layer normalisation over [h, w, out] when the network
 * has it: the PredRNN family's `nn.Sequential(conv[, LayerNorm])`, so its weights are named
 * `<name>.0.weight` and `<name>.1.weight`/`.bias` as in the field's PyTorch code.
 */
export interface NormedConv {
  readonly kernel: tf.Tensor4D
  readonly norm: LayerNormWeights | null
}

export type NormedConvGeometry = Pick<
  LayerSpec,
  'kernelSize' | 'heightPatches' | 'widthPatches' | 'layerNorm'
>

/** `initBound` overrides the fan-in uniform bound (the gradient highway starts near zero). */
export function createNormedConv(
  g: NormedConvGeometry,
  params: ParamBuilder,
  name: string,
  inChannels: number,
  outChannels: number,
  initBound?: number,
): NormedConv {
  return {
    kernel: params.convWeight(`${name}.0.weight`, g.kernelSize, inChannels, outChannels, initBound),
    norm: g.layerNorm
      ? params.layerNorm(`${name}.1`, [g.heightPatches, g.widthPatches, outChannels])
      : null,
  }
}

export function normedConv(w: NormedConv, x: tf.Tensor4D): tf.Tensor4D {
  const y = tf.conv2d(x, w.kernel, 1, 'same')
  return w.norm ? layerNorm(y, w.norm) : y
}
