import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { CorruptCheckpointError } from './checkpoint-errors'
import { parseCheckpointFolderName, type Checkpoint } from './checkpoint-layout'
import { readCheckpoint, type CheckpointExpectation } from './checkpoint-read'

export interface CheckpointListing {
  name: string
  path: string
  iteration: number
}

export interface SkippedCheckpoint extends CheckpointListing {
  /** Why it could not be used, naming the file and the problem. */
  reason: string
}

export interface LatestCheckpoint {
  /** The newest checkpoint that read and validated, or null when there is none. */
  latest: (CheckpointListing & { checkpoint: Checkpoint }) | null
  /** Newer checkpoints passed over as corrupt, newest first: report these to the user. */
  skipped: SkippedCheckpoint[]
}

/** Checkpoint folders of a run, newest first (by name only; nothing is opened). */
export function listCheckpoints(runDir: string): CheckpointListing[] {
  let entries: string[]
  try {
    entries = readdirSync(runDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return entries
    .map((name) => ({ name, path: join(runDir, name), iteration: parseCheckpointFolderName(name) }))
    .filter((entry): entry is CheckpointListing => entry.iteration !== null)
    .sort((a, b) => b.iteration - a.iteration)
}

/**
 * Loads the newest checkpoint of `runDir` that is intact, falling back past corrupt ones
 * and listing them in `skipped`. A `CheckpointMismatchError` is not a reason to fall back
 * (older checkpoints of the run would disagree the same way), so it propagates.
 */
export function loadLatestCheckpoint(
  runDir: string,
  expect?: CheckpointExpectation,
): LatestCheckpoint {
  const skipped: SkippedCheckpoint[] = []
  for (const listing of listCheckpoints(runDir)) {
    try {
      return { latest: { ...listing, checkpoint: readCheckpoint(listing.path, expect) }, skipped }
    } catch (error) {
      if (!(error instanceof CorruptCheckpointError)) throw error
      skipped.push({ ...listing, reason: error.message })
    }
  }
  return { latest: null, skipped }
}
