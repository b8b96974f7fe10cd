import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '../../util/atomic-write'
import { decodeSafetensors, type SafetensorsContents } from './safetensors-decode'
import { encodeSafetensors } from './safetensors-encode'
import type { TensorMap } from './tensors'

/** Writes a .safetensors file atomically (a crash leaves the old file or the new one). */
export function writeSafetensors(
  path: string,
  tensors: TensorMap,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata))
}

/** Reads and validates a .safetensors file; errors start with `label` (default: the path). */
export function readSafetensors(path: string, label: string = path): SafetensorsContents {
  return decodeSafetensors(readFileSync(path), label)
}
