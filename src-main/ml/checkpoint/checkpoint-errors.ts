/**
 * Two ways a checkpoint can be refused, kept apart because callers treat them differently:
 * a corrupt one is skipped for an older good one; a mismatching one means the run and the
 * checkpoint disagree, which no older checkpoint of the same run would fix.
 */

/** Missing file, torn or invalid safetensors, bad state.json. */
export class CorruptCheckpointError extends Error {
  override readonly name = 'CorruptCheckpointError'
}

/** Readable, but for another model kind or with other tensor names or shapes. */
export class CheckpointMismatchError extends Error {
  override readonly name = 'CheckpointMismatchError'
}
