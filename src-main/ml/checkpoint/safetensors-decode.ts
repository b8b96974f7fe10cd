import {
  BYTES_PER_ELEMENT,
  elementCount,
  formatShape,
  isTensorDType,
  typedArrayFromBytes,
  type TensorDType,
  type TensorMap,
} from './tensors'

export interface SafetensorsContents {
  tensors: TensorMap
  metadata: Record<string, string>
}

/** Far above any header this app writes; a larger claim is a corrupt length, not a header. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024

interface Entry {
  name: string
  dtype: TensorDType
  shape: number[]
  begin: number
  end: number
}

/**
 * Parses a safetensors file and checks everything a torn or foreign file could get wrong:
 * header length, JSON, dtypes, shapes against byte ranges, ranges inside the file, no
 * overlaps or holes (a compliant writer leaves none). Errors start with `label`, the file's
 * name as the user knows it, and name the tensor and the problem.
 */
export function decodeSafetensors(bytes: Uint8Array, label: string): SafetensorsContents {
  const fail = (problem: string): never => {
    throw new Error(`${label}: ${problem}`)
  }
  if (bytes.byteLength < 8) {
    fail(`file is ${bytes.byteLength} bytes, too short for the 8-byte header length`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getBigUint64(0, true)
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} is implausible`)
  const dataStart = 8 + Number(headerLength)
  if (dataStart > bytes.byteLength) {
    fail(`header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`)
  }
  const header = parseHeader(bytes.subarray(8, dataStart), fail)
  const dataLength = bytes.byteLength - dataStart

  const metadata = parseMetadata(header['__metadata__'], fail)
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, value]) => parseEntry(name, value, fail))
  for (const { name, dtype, shape, begin, end } of entries) {
    const needed = elementCount(shape) * BYTES_PER_ELEMENT[dtype]
    if (end - begin !== needed) {
      fail(
        `tensor "${name}" is ${dtype} ${formatShape(shape)} (${needed} bytes) but data_offsets span ${end - begin}`,
      )
    }
    if (end > dataLength) {
      fail(
        `tensor "${name}" needs ${needed} bytes, file ends after ${Math.max(0, dataLength - begin)}`,
      )
    }
  }

  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let covered = 0
  let previous: Entry | undefined
  for (const entry of byOffset) {
    if (entry.begin < covered) {
      fail(`tensors "${previous!.name}" and "${entry.name}" overlap at data byte ${entry.begin}`)
    }
    if (entry.begin > covered) fail(`data bytes ${covered}..${entry.begin} belong to no tensor`)
    covered = entry.end
    previous = entry
  }
  if (covered < dataLength) fail(`${dataLength - covered} bytes follow the last tensor`)

  const tensors: TensorMap = {}
  for (const { name, dtype, shape, begin, end } of entries) {
    const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart + begin, dataStart + end))
    tensors[name] = { dtype, shape, data } as TensorMap[string]
  }
  return { tensors, metadata }
}

function parseHeader(raw: Uint8Array, fail: (problem: string) => never): Record<string, unknown> {
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw))
  } catch (error) {
    fail(`header is not valid JSON (${(error as Error).message})`)
  }
  if (!isRecord(header)) fail('header is not a JSON object')
  return header as Record<string, unknown>
}

function parseMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (value === undefined) return {}
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    fail('__metadata__ must map names to strings')
  }
  return { ...(value as Record<string, string>) }
}

function parseEntry(name: string, value: unknown, fail: (problem: string) => never): Entry {
  if (!isRecord(value)) fail(`tensor "${name}" has no {dtype, shape, data_offsets} entry`)
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>
  if (typeof dtype !== 'string' || !isTensorDType(dtype)) {
    fail(`tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (F32, I32, U8 are)`)
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    fail(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of sizes`)
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    fail(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end]`)
  }
  const [begin, end] = offsets as [number, number]
  if (end < begin)
    fail(`tensor "${name}" has data_offsets [${begin}, ${end}] ending before they begin`)
  return { name, dtype: dtype as TensorDType, shape: shape as number[], begin, end }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isSize(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0
}
