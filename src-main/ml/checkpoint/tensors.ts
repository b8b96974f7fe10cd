/**
 * Named tensors as plain typed arrays, the form checkpoints and interchange files take:
 * `{ 'conv_last.weight': { dtype: 'F32', shape: [1, 1, 64, 16], data } }`, data row-major.
 * Dtype names are safetensors' own, so headers need no translation. Data is in host byte
 * order, which safetensors' little-endian matches on every platform the app ships for.
 */

export type TensorDType = 'F32' | 'I32' | 'U8'

export type TensorData<D extends TensorDType = TensorDType> = {
  F32: Float32Array
  I32: Int32Array
  U8: Uint8Array
}[D]

export type Tensor = {
  [D in TensorDType]: { dtype: D; shape: readonly number[]; data: TensorData<D> }
}[TensorDType]

export type TensorMap = Record<string, Tensor>

export const BYTES_PER_ELEMENT: Record<TensorDType, number> = { F32: 4, I32: 4, U8: 1 }

export function isTensorDType(name: string): name is TensorDType {
  return Object.hasOwn(BYTES_PER_ELEMENT, name)
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1)
}

/**
 * Copies `bytes` into a fresh, aligned typed array (file offsets need not be aligned). Copied
 * through the constructor: on a Node Buffer, `slice()` is a view, not a copy.
 */
export function typedArrayFromBytes(dtype: TensorDType, bytes: Uint8Array): TensorData {
  const copy = new Uint8Array(bytes).buffer
  if (dtype === 'F32') return new Float32Array(copy)
  if (dtype === 'I32') return new Int32Array(copy)
  return new Uint8Array(copy)
}

/** `[4,5,16,128]` → `"[4,5,16,128]"` for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}
