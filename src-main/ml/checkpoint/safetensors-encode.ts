import { BYTES_PER_ELEMENT, elementCount, formatShape, type TensorMap } from './tensors'

/**
 * Serialises tensors in the safetensors format: an 8-byte little-endian header length, a JSON
 * header (name → dtype, shape, data_offsets; optional `__metadata__` of strings) padded with
 * spaces to a multiple of 8 bytes, then every tensor's little-endian bytes back to back.
 * Returns the pieces without concatenating them, for `writeFileAtomic`.
 *
 * 4-byte dtypes come first (then by name) so each tensor stays aligned to its element size
 * within the 8-aligned data section, as Python's writer also arranges.
 */
export function encodeSafetensors(
  tensors: TensorMap,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const names = Object.keys(tensors).sort((a, b) => {
    const bySize = BYTES_PER_ELEMENT[tensors[b]!.dtype] - BYTES_PER_ELEMENT[tensors[a]!.dtype]
    return bySize !== 0 ? bySize : a < b ? -1 : a > b ? 1 : 0
  })
  const header: Record<string, unknown> = {}
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata
  const data: Uint8Array[] = []
  let offset = 0
  for (const name of names) {
    if (name === '__metadata__') throw new Error('safetensors: "__metadata__" is a reserved name')
    const { dtype, shape, data: values } = tensors[name]!
    if (values.length !== elementCount(shape)) {
      throw new Error(
        `safetensors: tensor "${name}" has ${values.length} values, shape ${formatShape(shape)} needs ${elementCount(shape)}`,
      )
    }
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.byteLength] }
    data.push(bytes)
    offset += bytes.byteLength
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const padded = Math.ceil(json.byteLength / 8) * 8
  const headerBytes = new Uint8Array(padded).fill(0x20)
  headerBytes.set(json)
  const prefix = new Uint8Array(8)
  new DataView(prefix.buffer).setBigUint64(0, BigInt(padded), true)
  return [prefix, headerBytes, ...data]
}
