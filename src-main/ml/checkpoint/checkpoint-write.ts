import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { writeFileAtomic } from '../../util/atomic-write'
import {
  checkpointFolderName,
  OPTIMIZER_FILE,
  STATE_FILE,
  WEIGHTS_FILE,
  type Checkpoint,
} from './checkpoint-layout'
import { CheckpointState } from './checkpoint-state'
import { writeSafetensors } from './safetensors-file'
import { syncDirectory } from '../../util/atomic-write'

/** Temporary folders start with a dot so listings never mistake them for checkpoints. */
const TEMPORARY_PREFIX = '.ckpt-'

/**
 * Writes `ckpt-<iteration>/` into `runDir` all-or-nothing: the files go into a hidden
 * temporary folder (each fsynced), which is then renamed into place and the run folder
 * fsynced. A crash leaves either no new checkpoint or a complete one. Rewriting an
 * iteration that exists (a run resumed from an older checkpoint) replaces it.
 * Returns the checkpoint folder's path.
 */
export function writeCheckpoint(runDir: string, checkpoint: Checkpoint): string {
  const state = CheckpointState.parse(checkpoint.state)
  const name = checkpointFolderName(state.iteration)
  const target = join(runDir, name)
  mkdirSync(runDir, { recursive: true })
  removeTemporaries(runDir)

  const temporary = join(runDir, `${TEMPORARY_PREFIX}${state.iteration}.${randomSuffix()}.tmp`)
  mkdirSync(temporary)
  try {
    const metadata = { modelKind: state.modelKind, iteration: String(state.iteration) }
    writeSafetensors(join(temporary, WEIGHTS_FILE), checkpoint.weights, metadata)
    writeSafetensors(join(temporary, OPTIMIZER_FILE), checkpoint.optimizer, metadata)
    writeFileAtomic(join(temporary, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`)
    replaceFolder(runDir, temporary, target)
  } catch (error) {
    rmSync(temporary, { recursive: true, force: true })
    throw error
  }
  return target
}

/** A folder cannot be renamed over a non-empty one, so the old one steps aside first. */
function replaceFolder(runDir: string, source: string, target: string) {
  try {
    renameSync(source, target)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw error
    const old = join(runDir, `${TEMPORARY_PREFIX}old.${randomSuffix()}.tmp`)
    renameSync(target, old)
    renameSync(source, target)
    syncDirectory(runDir)
    rmSync(old, { recursive: true, force: true })
    return
  }
  syncDirectory(runDir)
}

/** Leftovers of writes a crash interrupted; one trainer writes a run at a time. */
function removeTemporaries(runDir: string) {
  for (const entry of readdirSync(runDir)) {
    if (entry.startsWith(TEMPORARY_PREFIX)) {
      rmSync(join(runDir, entry), { recursive: true, force: true })
    }
  }
}

function randomSuffix() {
  return randomBytes(6).toString('hex')
}
