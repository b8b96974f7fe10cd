import { readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { CheckpointMismatchError, CorruptCheckpointError } from './checkpoint-errors'
import {
  OPTIMIZER_FILE,
  parseCheckpointFolderName,
  STATE_FILE,
  WEIGHTS_FILE,
  type Checkpoint,
} from './checkpoint-layout'
import { CHECKPOINT_FORMAT_VERSION, CheckpointState } from './checkpoint-state'
import { decodeSafetensors } from './safetensors-decode'
import { formatShape, type TensorMap } from './tensors'

/** What the resuming run holds, for refusing a checkpoint of another architecture. */
export interface CheckpointExpectation {
  modelKind: string
  /** Every weight by name with its shape, in the tfjs layouts the trainer uses. */
  weightShapes: Record<string, readonly number[]>
  /** Optimizer slots by name with their shapes, when they should be checked too. */
  optimizerShapes?: Record<string, readonly number[]>
}

/**
 * Reads a checkpoint folder and validates every file. Throws `CorruptCheckpointError` for
 * missing or damaged files and `CheckpointMismatchError` when `expect` disagrees (model
 * kind, tensor names, shapes, format version). Messages start with `run/ckpt-…`.
 */
export function readCheckpoint(dir: string, expect?: CheckpointExpectation): Checkpoint {
  const label = `${basename(join(dir, '..'))}/${basename(dir)}`
  const state = readState(dir, label)
  if (expect && state.modelKind !== expect.modelKind) {
    throw new CheckpointMismatchError(
      `${label}: wrong model kind: checkpoint is ${state.modelKind}, run expects ${expect.modelKind}`,
    )
  }
  const weights = readTensors(dir, WEIGHTS_FILE, label)
  const optimizer = readTensors(dir, OPTIMIZER_FILE, label)
  if (expect) {
    checkShapes(`${label}/${WEIGHTS_FILE}`, weights, expect.weightShapes)
    if (expect.optimizerShapes) {
      checkShapes(`${label}/${OPTIMIZER_FILE}`, optimizer, expect.optimizerShapes)
    }
  }
  return { weights, optimizer, state }
}

function readState(dir: string, label: string): CheckpointState {
  const text = readPart(dir, STATE_FILE, label).toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new CorruptCheckpointError(`${label}/${STATE_FILE}: ${(error as Error).message}`)
  }
  const version = (json as { formatVersion?: unknown } | null)?.formatVersion
  if (typeof version === 'number' && version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointMismatchError(
      `${label}: checkpoint format ${version}, this version reads format ${CHECKPOINT_FORMAT_VERSION}`,
    )
  }
  const parsed = CheckpointState.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    const where = issue.path.length > 0 ? issue.path.join('.') : 'state'
    throw new CorruptCheckpointError(`${label}/${STATE_FILE}: ${where}: ${issue.message}`)
  }
  const folderIteration = parseCheckpointFolderName(basename(dir))
  if (folderIteration !== null && folderIteration !== parsed.data.iteration) {
    throw new CorruptCheckpointError(
      `${label}/${STATE_FILE}: iteration ${parsed.data.iteration} does not match the folder name`,
    )
  }
  return parsed.data
}

function readTensors(dir: string, file: string, label: string): TensorMap {
  const bytes = readPart(dir, file, label)
  try {
    return decodeSafetensors(bytes, `${label}/${file}`).tensors
  } catch (error) {
    throw new CorruptCheckpointError((error as Error).message)
  }
}

function readPart(dir: string, file: string, label: string): Buffer {
  try {
    return readFileSync(join(dir, file))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const problem = code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(error)})`
    throw new CorruptCheckpointError(`${label}/${file} ${problem}`)
  }
}

/** Same names, same shapes, float32: anything else cannot be assigned to the model. */
function checkShapes(
  label: string,
  tensors: TensorMap,
  expected: Record<string, readonly number[]>,
) {
  const problems: string[] = []
  for (const [name, shape] of Object.entries(expected)) {
    const tensor = tensors[name]
    if (!tensor) problems.push(`${name} is missing from the checkpoint`)
    else if (tensor.dtype !== 'F32') problems.push(`${name} is ${tensor.dtype}, model needs F32`)
    else if (formatShape(tensor.shape) !== formatShape(shape)) {
      problems.push(
        `shape of ${name}: checkpoint ${formatShape(tensor.shape)}, model ${formatShape(shape)}`,
      )
    }
  }
  for (const name of Object.keys(tensors)) {
    if (!Object.hasOwn(expected, name)) problems.push(`${name} is not in the model`)
  }
  if (problems.length > 0) {
    // The first few say what is wrong; a whole architecture's worth would bury them.
    const shown = problems.slice(0, 5).join('; ')
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
    throw new CheckpointMismatchError(`${label}: ${shown}${more}`)
  }
}
