import type { CheckpointState } from './checkpoint-state'
import type { TensorMap } from './tensors'

/**
 * A checkpoint on disk is a folder `ckpt-<iteration, 6+ digits>/` inside the run folder with
 * these three files; it appears under that name only once all three are durable, so a
 * folder by that name is complete unless the disk itself lost data.
 */
export const WEIGHTS_FILE = 'weights.safetensors'
export const OPTIMIZER_FILE = 'optimizer.safetensors'
export const STATE_FILE = 'state.json'

export interface Checkpoint {
  /** Model parameters by PyTorch-style name, in tfjs layouts. */
  weights: TensorMap
  /** Optimizer slots (Adam's first and second moments), named by the trainer. */
  optimizer: TensorMap
  state: CheckpointState
}

const FOLDER_PATTERN = /^ckpt-(\d{6,})$/

export function checkpointFolderName(iteration: number): string {
  return `ckpt-${String(iteration).padStart(6, '0')}`
}

/** The iteration a checkpoint folder name stands for, or null for any other name. */
export function parseCheckpointFolderName(name: string): number | null {
  const match = FOLDER_PATTERN.exec(name)
  return match ? Number(match[1]) : null
}
