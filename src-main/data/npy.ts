import type { FileHandle } from 'node:fs/promises'
import { DataError } from './errors'

/** Element types read: frames come as uint8 or float; integers hold indices (a .npz's `clips`). */
export type NpyDtype = 'uint8' | 'float32' | 'float64' | 'int32' | 'int64'
export type FrameDtype = 'uint8' | 'float32' | 'float64'
export type NpyValues = Uint8Array | Float32Array | Float64Array

export interface NpyHeader {
  dtype: NpyDtype
  shape: number[]
  /** Byte offset of the first element. */
  dataOffset: number
  itemBytes: number
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] // "\x93NUMPY"
/** Real headers are a few hundred bytes; a larger length field means a corrupt or hostile file. */
const MAX_HEADER_BYTES = 1 << 20
const DESCR: Record<string, NpyDtype> = {
  '|u1': 'uint8',
  '<u1': 'uint8',
  u1: 'uint8',
  '<f4': 'float32',
  '<f8': 'float64',
  '<i4': 'int32',
  '<i8': 'int64',
}
const ITEM_BYTES: Record<NpyDtype, number> = {
  uint8: 1,
  float32: 4,
  float64: 8,
  int32: 4,
  int64: 8,
}

/** Bytes needed before the header text can be parsed: magic, version, length field. */
export const NPY_PREAMBLE_BYTES = 12

/**
 * Reads the header of a .npy file from its first bytes. `prefix` may be longer than the header;
 * when it is shorter, the error says the header is truncated. `fileBytes`, when known, is
 * checked against the size the header implies.
 */
export function parseNpyHeader(prefix: Uint8Array, file: string, fileBytes?: number): NpyHeader {
  if (prefix.length < 10) throw new DataError(file, 'truncated .npy header (file too short)')
  if (!MAGIC.every((b, i) => prefix[i] === b)) throw new DataError(file, 'not a .npy file')
  const major = prefix[6] as number
  if (major < 1 || major > 3) throw new DataError(file, `unsupported .npy version ${major}`)
  const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength)
  const lengthBytes = major === 1 ? 2 : 4
  if (prefix.length < 8 + lengthBytes) throw new DataError(file, 'truncated .npy header')
  const headerBytes = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true)
  if (headerBytes > MAX_HEADER_BYTES) {
    throw new DataError(file, `.npy header claims ${headerBytes} bytes (limit ${MAX_HEADER_BYTES})`)
  }
  const dataOffset = 8 + lengthBytes + headerBytes
  if (prefix.length < dataOffset) throw new DataError(file, 'truncated .npy header')
  const text = new TextDecoder().decode(prefix.subarray(8 + lengthBytes, dataOffset))
  const header = parseHeaderText(text, file, dataOffset)
  if (fileBytes !== undefined) {
    const expected = dataOffset + header.shape.reduce((a, b) => a * b, 1) * header.itemBytes
    if (fileBytes < expected) {
      throw new DataError(file, `truncated: shape needs ${expected} bytes, file has ${fileBytes}`)
    }
    if (fileBytes > expected) {
      throw new DataError(file, `${fileBytes - expected} unexpected bytes after the array data`)
    }
  }
  return header
}

function parseHeaderText(text: string, file: string, dataOffset: number): NpyHeader {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1]
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1]
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1]
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(file, 'malformed .npy header')
  }
  const dtype = DESCR[descr]
  if (!dtype) {
    throw new DataError(file, `unsupported dtype '${descr}'`)
  }
  if (fortran === 'True') throw new DataError(file, 'Fortran-ordered arrays are not supported')
  const shape = shapeText
    .split(',')
    .map((s) => s.trim().replace(/L$/, ''))
    .filter((s) => s.length > 0)
    .map(Number)
  if (shape.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new DataError(file, `malformed shape (${shapeText})`)
  }
  return { dtype, shape, dataOffset, itemBytes: ITEM_BYTES[dtype] }
}

/** A version-1 header for `shape`, padded so that the data starts on a 64-byte boundary. */
export function encodeNpyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const descr = { uint8: '|u1', float32: '<f4', float64: '<f8', int32: '<i4', int64: '<i8' }[dtype]
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ')
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`
  const unpadded = 10 + dict.length + 1
  const text = dict + ' '.repeat((64 - (unpadded % 64)) % 64) + '\n'
  const out = new Uint8Array(10 + text.length)
  out.set(MAGIC)
  out[6] = 1
  new DataView(out.buffer).setUint16(8, text.length, true)
  out.set(new TextEncoder().encode(text), 10)
  return out
}

/** Encodes a whole array as .npy bytes (tests and small exports; large files stream instead). */
export function encodeNpy(
  values: NpyValues | Int32Array | BigInt64Array,
  shape: readonly number[],
): Uint8Array {
  const dtype: NpyDtype =
    values instanceof Uint8Array
      ? 'uint8'
      : values instanceof Float32Array
        ? 'float32'
        : values instanceof Float64Array
          ? 'float64'
          : values instanceof Int32Array
            ? 'int32'
            : 'int64'
  const header = encodeNpyHeader(dtype, shape)
  const out = new Uint8Array(header.length + values.byteLength)
  out.set(header)
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), header.length)
  return out
}

/** Reads the header of the .npy file open as `handle`, checking it against the file's size. */
export async function readNpyHeader(handle: FileHandle, file: string): Promise<NpyHeader> {
  const { size } = await handle.stat()
  const preamble = new Uint8Array(Math.min(size, NPY_PREAMBLE_BYTES))
  await handle.read(preamble, 0, preamble.length, 0)
  const guess = parseNpyLength(preamble)
  const prefix = new Uint8Array(Math.min(size, guess))
  await handle.read(prefix, 0, prefix.length, 0)
  return parseNpyHeader(prefix, file, size)
}

/** How many leading bytes hold the header, read from the preamble (or the preamble's length). */
function parseNpyLength(preamble: Uint8Array): number {
  if (preamble.length < NPY_PREAMBLE_BYTES) return preamble.length
  const view = new DataView(preamble.buffer, preamble.byteOffset, preamble.byteLength)
  const major = preamble[6]
  const length = major === 1 ? 10 + view.getUint16(8, true) : 12 + view.getUint32(8, true)
  return Math.min(length, 12 + MAX_HEADER_BYTES)
}

/** Refuses arrays that cannot hold frames (integers other than uint8). */
export function assertFrameDtype(header: NpyHeader, file: string): FrameDtype {
  if (header.dtype === 'int32' || header.dtype === 'int64') {
    throw new DataError(
      file,
      `dtype ${header.dtype} cannot hold frames (expected uint8, float32 or float64)`,
    )
  }
  return header.dtype
}

/** Decodes a small integer array held whole in memory (e.g. a .npz's `clips`) to numbers. */
export function decodeNpyIntegers(
  bytes: Uint8Array,
  file: string,
): { shape: number[]; values: number[] } {
  const header = parseNpyHeader(bytes, file, bytes.length)
  const data = bytes.slice(header.dataOffset)
  if (header.dtype === 'int32')
    return { shape: header.shape, values: [...new Int32Array(data.buffer)] }
  if (header.dtype === 'int64') {
    return { shape: header.shape, values: Array.from(new BigInt64Array(data.buffer), Number) }
  }
  throw new DataError(file, `expected an integer array, got ${header.dtype}`)
}

/** Reads `count` elements starting at element `start` from the array's data. */
export async function readNpyElements(
  handle: FileHandle,
  header: NpyHeader,
  start: number,
  count: number,
): Promise<NpyValues> {
  // A fresh buffer (not Node's shared pool) keeps float views aligned.
  const bytes = new Uint8Array(count * header.itemBytes)
  let done = 0
  while (done < bytes.length) {
    const position = header.dataOffset + start * header.itemBytes + done
    const { bytesRead } = await handle.read(bytes, done, bytes.length - done, position)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return viewAs(header.dtype, bytes.subarray(0, done))
}

/** Interprets raw little-endian bytes as `dtype` (copying once if misaligned). */
export function viewAs(dtype: NpyDtype, bytes: Uint8Array): NpyValues {
  if (dtype === 'int32' || dtype === 'int64') throw new TypeError(`${dtype} is not a frame dtype`)
  if (dtype === 'uint8') return bytes
  const itemBytes = ITEM_BYTES[dtype]
  const aligned = bytes.byteOffset % itemBytes === 0 ? bytes : bytes.slice()
  const length = aligned.byteLength / itemBytes
  return dtype === 'float32'
    ? new Float32Array(aligned.buffer, aligned.byteOffset, length)
    : new Float64Array(aligned.buffer, aligned.byteOffset, length)
}
