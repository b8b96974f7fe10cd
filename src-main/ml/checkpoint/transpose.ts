import { elementCount, type Tensor } from './tensors'

/**
 * Returns a copy of `tensor` with axes permuted: output axis k is input axis `perm[k]`
 * (numpy's `transpose(perm)`), e.g. perm [3, 2, 0, 1] turns [kh, kw, in, out] into
 * [out, in, kh, kw].
 */
export function transposeTensor(tensor: Tensor, perm: readonly number[]): Tensor {
  const { shape } = tensor
  const rank = shape.length
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((axis, i) => axis !== i)) {
    throw new Error(`transpose: [${perm.join(',')}] is not a permutation of ${rank} axes`)
  }
  const outShape = perm.map((axis) => shape[axis]!)
  // Input strides, read in output-axis order, so the output is written sequentially.
  const inStrides = new Array<number>(rank)
  for (let axis = rank - 1, stride = 1; axis >= 0; axis--) {
    inStrides[axis] = stride
    stride *= shape[axis]!
  }
  const strides = perm.map((axis) => inStrides[axis]!)
  const source = tensor.data
  const out = new (source.constructor as new (length: number) => typeof source)(source.length)
  const index = new Array<number>(rank).fill(0)
  let from = 0
  for (let to = 0; to < elementCount(shape); to++) {
    out[to] = source[from]!
    // Odometer step over the output index, moving `from` by the matching input strides.
    for (let k = rank - 1; k >= 0; k--) {
      from += strides[k]!
      if (++index[k]! < outShape[k]!) break
      from -= strides[k]! * outShape[k]!
      index[k] = 0
    }
  }
  return { ...tensor, shape: outShape, data: out } as Tensor
}
