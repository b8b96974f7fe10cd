import { statfsSync } from 'node:fs'
import type { Checkpoint } from '../ml/checkpoint/checkpoint-layout'

/** Headers, state.json and file-system rounding, on top of the tensor bytes. */
const CHECKPOINT_OVERHEAD_BYTES = 64 * 1024

/** About what a checkpoint takes on disk: its tensors' bytes plus a fixed allowance. */
export function estimateCheckpointBytes(checkpoint: Pick<Checkpoint, 'weights' | 'optimizer'>) {
  let bytes = CHECKPOINT_OVERHEAD_BYTES
  for (const map of [checkpoint.weights, checkpoint.optimizer]) {
    for (const tensor of Object.values(map)) bytes += tensor.data.byteLength
  }
  return bytes
}

/** Bytes an unprivileged process may still write on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const stats = statfsSync(dir)
  return stats.bavail * stats.bsize
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let value = bytes / 1024
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit += 1
  }
  return `${value.toFixed(1)} ${units[unit]}`
}
