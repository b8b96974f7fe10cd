import * as tf from '@tensorflow/tfjs'
import type { Rng } from './random'

/**
 * Named parameters of one network, keyed by the names a PyTorch `state_dict` of the
 * equivalent thuml/PredRNN-style module would use (`cell_list.0.conv_x.0.weight`,
 * `conv_last.weight`), so a checkpoint maps name for name.
 *
 * Layouts differ between the frameworks; `layout` tells the checkpoint converter which
 * transpose to apply (tfjs → PyTorch):
 * - `conv2d`: tfjs [kh, kw, in, out] → PyTorch [out, in, kh, kw], i.e. transpose [3, 2, 0, 1].
 *   Both are cross-correlations, so no kernel flip.
 * - `layerNorm`: tfjs [h, w, C] (NHWC broadcast) → PyTorch LayerNorm([C, h, w]) weight/bias
 *   [C, h, w], i.e. transpose [2, 0, 1]; also MIM's [C, h, w] peepholes.
 * - `bias`: [out] in both; also what is laid out alike in both, such as a Linear weight kept
 *   in PyTorch's [out, in] (`linearWeight`).
 * - `conv3d`: tfjs [kh, kw, d, in, out] → PyTorch Conv3d [out, in, d, kh, kw], transpose
 *   [4, 3, 2, 0, 1]. Kept with the temporal taps beside the input channels so that a reshape
 *   to [kh, kw, d·in, out] is the conv2d kernel over a window folded into channels (E3D-LSTM).
 * - `windowNorm`: tfjs [h, w, d, C] → PyTorch LayerNorm([C, d, h, w]), transpose [3, 2, 0, 1];
 *   a reshape to [h, w, d·C] is the NHWC broadcast over a folded window.
 *
 * Initialisation follows PyTorch's defaults so a model trained here starts where the release
 * would: conv weight and bias ~ U(−1/√fanIn, 1/√fanIn) (kaiming_uniform with a = √5),
 * layer-norm gain 1 and shift 0.
 */

export type ParamLayout = 'conv2d' | 'layerNorm' | 'bias' | 'conv3d' | 'windowNorm'

export interface ParamEntry {
  readonly name: string
  readonly layout: ParamLayout
  readonly variable: tf.Variable
  /**
   * `statistic`: a normalisation layer's running estimate (PyTorch's buffers, e.g. BatchNorm's
   * `running_mean`): saved and loaded with the weights, never trained, not counted.
   */
  readonly role: 'weight' | 'statistic'
}

/** Creates parameters under a name prefix (a cell sees `cell_list.<l>.`). */
export interface ParamBuilder {
  /**
   * Conv kernel [kh, kw, in, out], ~ U(−bound, bound); `bound` defaults to PyTorch's 1/√fanIn
   * (a module that re-initialises its kernels, like PredRNN++'s GHU, passes its own).
   */
  convWeight(
    name: string,
    kernelSize: number,
    inChannels: number,
    outChannels: number,
    bound?: number,
  ): tf.Tensor4D
  /**
   * Conv3d kernel [kh, kw, depth, in, out] (see `conv3d` above), ~ U(±1/√(in·depth·kh·kw)),
   * PyTorch's default.
   */
  conv3dWeight(
    name: string,
    depth: number,
    kernelSize: number,
    inChannels: number,
    outChannels: number,
  ): tf.Tensor5D
  /** LayerNorm([C, depth, h, w]) gain (ones) and shift (zeros), each [h, w, depth, C]. */
  windowNorm(name: string, shapeHWDC: [number, number, number, number]): WindowNormWeights
  /** Conv bias [out]; `fanIn` = in·kh·kw of its convolution. */
  convBias(name: string, fanIn: number, outChannels: number): tf.Tensor1D
  /**
   * Linear weight in PyTorch's own layout [out, in] (applied as x·Wᵀ), so it needs no
   * transpose either way; ~ U(±1/√in), PyTorch's default.
   */
  linearWeight(name: string, inFeatures: number, outFeatures: number): tf.Tensor2D
  /** Layer-norm gain (ones) and shift (zeros), each [h, w, C]. */
  layerNorm(name: string, shapeHWC: [number, number, number]): LayerNormWeights
  /**
   * A per-position, per-channel weight [h, w, C] (PyTorch [C, h, w], the layer-norm layout),
   * starting at zero as MIM's peepholes do in the field's implementations.
   */
  peephole(name: string, shapeHWC: [number, number, number]): tf.Tensor3D
  /** A per-channel weight [length] starting at `value` (norm gains and shifts, zero biases). */
  vector(name: string, length: number, value: number): tf.Tensor1D
  /** A running estimate [length] starting at `value`: see ParamEntry's `statistic`. */
  statistic(name: string, length: number, value: number): tf.Variable
  scoped(prefix: string): ParamBuilder
}

export interface LayerNormWeights {
  readonly gammaHWC: tf.Tensor3D
  readonly betaHWC: tf.Tensor3D
}

/** A layer norm over a folded window (`windowNorm`): gain and shift [h, w, depth, C]. */
export interface WindowNormWeights {
  readonly gammaHWDC: tf.Tensor4D
  readonly betaHWDC: tf.Tensor4D
}

export interface ParamStore {
  readonly builder: ParamBuilder
  /** In creation order, which is also the optimizer's slot order. */
  entries(): readonly ParamEntry[]
  get(name: string): tf.Variable
  /** Scalar parameter count (sum of the weights' sizes; running statistics are not counted). */
  countParams(): number
  /** Copies of every parameter by name; the caller disposes them. */
  getWeights(): tf.NamedTensorMap
  /** Assigns every parameter from `weights` (same names and shapes, extra names rejected). */
  setWeights(weights: tf.NamedTensorMap): void
  dispose(): void
}

let storeCount = 0

/**
 * `trainable` = false for frozen networks (the TMU's sources). Each store registers its
 * variables under a unique scope because tfjs variable names are global per process, while
 * several networks (target and sources) share the PyTorch names.
 */
export function createParamStore(rng: Rng, trainable = true): ParamStore {
  const scope = `net${++storeCount}`
  const byName = new Map<string, ParamEntry>()

  function add(
    name: string,
    layout: ParamLayout,
    values: tf.Tensor,
    role: ParamEntry['role'] = 'weight',
  ): tf.Variable {
    if (byName.has(name)) throw new Error(`params: ${name} defined twice`)
    const variable = tf.variable(values, trainable && role === 'weight', `${scope}/${name}`)
    values.dispose()
    byName.set(name, { name, layout, variable, role })
    return variable
  }

  function uniform(shape: number[], bound: number): tf.Tensor {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1))
    for (let i = 0; i < values.length; i++) values[i] = bound * (2 * rng.next() - 1)
    return tf.tensor(values, shape, 'float32')
  }

  function builderAt(prefix: string): ParamBuilder {
    return {
      convWeight(name, kernelSize, inChannels, outChannels, bound) {
        const fanIn = inChannels * kernelSize * kernelSize
        const shape = [kernelSize, kernelSize, inChannels, outChannels]
        const values = uniform(shape, bound ?? 1 / Math.sqrt(fanIn))
        return add(prefix + name, 'conv2d', values) as tf.Tensor4D
      },
      conv3dWeight(name, depth, kernelSize, inChannels, outChannels) {
        const fanIn = inChannels * depth * kernelSize * kernelSize
        const shape = [kernelSize, kernelSize, depth, inChannels, outChannels]
        return add(prefix + name, 'conv3d', uniform(shape, 1 / Math.sqrt(fanIn))) as tf.Tensor5D
      },
      windowNorm(name, shapeHWDC) {
        return {
          gammaHWDC: add(
            `${prefix}${name}.weight`,
            'windowNorm',
            tf.ones(shapeHWDC),
          ) as tf.Tensor4D,
          betaHWDC: add(`${prefix}${name}.bias`, 'windowNorm', tf.zeros(shapeHWDC)) as tf.Tensor4D,
        }
      },
      convBias(name, fanIn, outChannels) {
        return add(
          prefix + name,
          'bias',
          uniform([outChannels], 1 / Math.sqrt(fanIn)),
        ) as tf.Tensor1D
      },
      linearWeight(name, inFeatures, outFeatures) {
        const values = uniform([outFeatures, inFeatures], 1 / Math.sqrt(inFeatures))
        return add(prefix + name, 'bias', values) as tf.Tensor2D
      },
      layerNorm(name, shapeHWC) {
        return {
          gammaHWC: add(`${prefix}${name}.weight`, 'layerNorm', tf.ones(shapeHWC)) as tf.Tensor3D,
          betaHWC: add(`${prefix}${name}.bias`, 'layerNorm', tf.zeros(shapeHWC)) as tf.Tensor3D,
        }
      },
      peephole: (name, shapeHWC) =>
        add(prefix + name, 'layerNorm', tf.zeros(shapeHWC)) as tf.Tensor3D,
      vector: (name, length, value) =>
        add(prefix + name, 'bias', tf.fill([length], value)) as tf.Tensor1D,
      statistic: (name, length, value) =>
        add(prefix + name, 'bias', tf.fill([length], value), 'statistic'),
      scoped: (more) => builderAt(prefix + more),
    }
  }

  function get(name: string): tf.Variable {
    const entry = byName.get(name)
    if (!entry) throw new Error(`params: no parameter ${name}`)
    return entry.variable
  }

  return {
    builder: builderAt(''),
    entries: () => [...byName.values()],
    get,
    countParams: () =>
      [...byName.values()]
        .filter((e) => e.role === 'weight')
        .reduce((n, e) => n + e.variable.size, 0),
    getWeights() {
      const out: tf.NamedTensorMap = {}
      for (const { name, variable } of byName.values()) out[name] = variable.clone()
      return out
    },
    setWeights(weights) {
      for (const name of Object.keys(weights)) get(name)
      for (const { name, variable } of byName.values()) {
        const value = weights[name]
        if (!value) throw new Error(`params: weights lack ${name}`)
        if (!tf.util.arraysEqual(value.shape, variable.shape)) {
          throw new Error(`params: ${name} expected [${variable.shape}], got [${value.shape}]`)
        }
        variable.assign(value)
      }
    },
    dispose() {
      for (const { variable } of byName.values()) variable.dispose()
      byName.clear()
    },
  }
}
