import * as tf from '@tensorflow/tfjs'
import type { TensorMap } from './checkpoint/tensors'
import type { NamedTensor } from './training'

/**
 * Moves tensors between TensorFlow.js and checkpoint files (typed arrays by name). Reading
 * a tensor's data is the only asynchronous step, so these run outside any tf.tidy.
 */
export async function tensorMapFromNamed(named: tf.NamedTensorMap): Promise<TensorMap> {
  const out: TensorMap = {}
  for (const [name, tensor] of Object.entries(named)) {
    const data = await tensor.data()
    out[name] =
      tensor.dtype === 'int32'
        ? { dtype: 'I32', shape: [...tensor.shape], data: data as Int32Array }
        : { dtype: 'F32', shape: [...tensor.shape], data: data as Float32Array }
  }
  return out
}

export async function tensorMapFromList(list: readonly NamedTensor[]): Promise<TensorMap> {
  return tensorMapFromNamed(Object.fromEntries(list.map((n) => [n.name, n.tensor])))
}

/** New tensors for every entry; the caller disposes them. */
export function namedFromTensorMap(map: TensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {}
  for (const [name, t] of Object.entries(map)) {
    if (t.dtype === 'U8') {
      tf.dispose(Object.values(out))
      throw new Error(`tensor "${name}" is uint8, not a weight type`)
    }
    out[name] = tf.tensor(t.data, [...t.shape], t.dtype === 'I32' ? 'int32' : 'float32')
  }
  return out
}

/**
 * Optimizer slots as the trainer takes them back: Adam's step counter `iter` first (files
 * keep no order), then the moments, which the trainer matches by name.
 */
export function optimizerListFromTensorMap(map: TensorMap): NamedTensor[] {
  const list = Object.entries(namedFromTensorMap(map)).map(([name, tensor]) => ({ name, tensor }))
  return [...list.filter((n) => n.name === 'iter'), ...list.filter((n) => n.name !== 'iter')]
}

export function shapesOf(named: tf.NamedTensorMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(named).map(([name, t]) => [name, [...t.shape]]))
}
