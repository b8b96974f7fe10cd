import {
  CELL_LABELS,
  modelKindConflicts,
  RunConfig,
  WorkbenchError,
  type Dataset,
  type ParsedInput,
  type RunStatus,
} from '../api/contract'
import {
  hasSpatiotemporalMemory,
  isMauSrSize,
  isRecurrentCell,
  mauOptionsOf,
} from '../domain/model'
import {
  checkTmuCompatibility,
  IncompatibleSourcesError,
  transferMProblem,
} from '../ml/tmu/compatibility'
import type { RunRow } from '../store/runs-repo'

/** Checks a `runs.create` request against the workspace before a run is filed. */

/** What validation reads of existing runs. */
export interface SourceLookup {
  /** The run, or not_found. */
  run: (id: number) => RunRow
  /** A source is known by its zoo name, else by its run's name. */
  sourceName: (id: number) => string
}

const TRAINING_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused']

/**
 * The run's kind agrees with its sources, which have completed (or, for a run filed to
 * start, are still training) and (for TMU) fit it.
 */
export function validateSources(input: ParsedInput<'runs.create'>, lookup: SourceLookup) {
  const { kind, sourceRunIds } = input
  if (kind === 'finetune' && sourceRunIds.length !== 1) {
    throw new WorkbenchError('invalid_input', 'a finetune run starts from exactly one source run')
  }
  if (kind === 'tmu' && sourceRunIds.length === 0) {
    throw new WorkbenchError(
      'invalid_input',
      'a TMU target needs at least one source run from the zoo',
    )
  }
  if (kind !== 'tmu' && input.config.model.tmu) {
    throw new WorkbenchError('invalid_input', `a ${kind} run has no TMU layers; remove model.tmu`)
  }
  if ((kind === 'source' || kind === 'scratch') && sourceRunIds.length > 0) {
    throw new WorkbenchError('invalid_input', `a ${kind} run takes no source runs`)
  }
  for (const id of sourceRunIds) {
    const source = lookup.run(id)
    // A run filed to start waits in the queue for a source still training (job-queue.ts).
    const awaitable = input.start && TRAINING_STATUSES.includes(source.status)
    if (source.status !== 'completed' && !awaitable) {
      throw new WorkbenchError(
        'invalid_input',
        `source run "${source.name}" is ${source.status}: a run trains on a completed source, or is queued to wait for one still training`,
      )
    }
  }
  if (kind === 'tmu') {
    const model = input.config.model
    if (!model.tmu)
      throw new WorkbenchError('invalid_input', 'a TMU target needs model.tmu options')
    try {
      checkTmuCompatibility(
        model,
        sourceRunIds.map((id) => ({
          name: lookup.sourceName(id),
          config: RunConfig.parse(lookup.run(id).config).model,
        })),
      )
    } catch (error) {
      if (error instanceof IncompatibleSourcesError)
        throw new WorkbenchError('invalid_input', error.message)
      throw error
    }
  }
}

/**
 * What the network itself cannot be, said when the run is filed rather than by its trainer:
 * frames that do not split into patches, PredRNN++ without a second layer for its gradient
 * highway (docs/method.md §2.6), MIM without a second layer for its first block (§2.8), a
 * zig-zag memory M through layers of different widths, MAU's grid that its srSize cannot
 * halve down to (§2.9), a reverse-sampling ramp that ends before it starts (§2.7), SimVP or
 * TAU asked for what only recurrent models have (§2.10), a recurrent model asked for
 * TAU's DDR (§2.11), and an M transfer (`tmu.transferM`) on a recurrent cell without M (§3.2).
 */
export function validateModel({ model, train }: RunConfig) {
  const problems: string[] = [...modelKindConflicts(model, train)]
  const p = model.patchSize
  if (model.imageHeight % p !== 0 || model.imageWidth % p !== 0) {
    problems.push(
      `${model.imageHeight}×${model.imageWidth} frames do not split into ${p}×${p} patches (patchSize)`,
    )
  }
  if (model.cell === 'predrnnpp' && model.hidden.length < 2) {
    problems.push(
      'PredRNN++ puts its gradient highway between layers 1 and 2, so it needs at least 2 layers (hidden)',
    )
  }
  if (model.cell === 'mim' && model.hidden.length < 2) {
    problems.push(
      'MIM starts its memory-in-memory blocks at layer 2 (layer 1 is an ST-LSTM), so it needs at least 2 layers (hidden)',
    )
  }
  if (model.tmu?.transferM && isRecurrentCell(model.cell) && !hasSpatiotemporalMemory(model.cell)) {
    problems.push(transferMProblem('the target', model.cell))
  }
  if (model.cell === 'mau') problems.push(...mauProblems(model))
  if (model.cell === 'mau' && new Set(model.hidden).size > 1) {
    problems.push(
      `MAU hands S up and attends over its layer's past S inputs with the same convolutions, so its layers need one width; hidden is ${model.hidden.join(', ')}`,
    )
  } else if (
    model.cell !== 'convlstm' &&
    isRecurrentCell(model.cell) &&
    new Set(model.hidden).size > 1
  ) {
    problems.push(
      `${CELL_LABELS[model.cell]} passes its memory M through its layers, so they need one width; hidden is ${model.hidden.join(', ')}`,
    )
  }
  if (train.sampling === 'reverse' && train.reverseSamplingEnd <= train.reverseSamplingStart) {
    problems.push(
      `reverse sampling ramps from iteration ${train.reverseSamplingStart} to ${train.reverseSamplingEnd}: the end must come after the start (reverseSamplingEnd)`,
    )
  }
  if (problems.length) throw new WorkbenchError('invalid_input', problems.join('; '))
}

/** MAU's srSize: a power of 2 that divides the patched grid (docs/method.md §2.9). */
function mauProblems(model: RunConfig['model']): string[] {
  const { srSize } = mauOptionsOf(model)
  if (!isMauSrSize(srSize)) {
    return [
      `MAU reduces its grid by stride-2 convolutions, so srSize must be a power of 2, got ${srSize}`,
    ]
  }
  const h = model.imageHeight / model.patchSize
  const w = model.imageWidth / model.patchSize
  return h % srSize === 0 && w % srSize === 0
    ? []
    : [`MAU's ${h}×${w} patched grid does not reduce by srSize ${srSize} (mau.srSize, patchSize)`]
}

/** The dataset's frames and splits fit the run's model and training. */
export function validateDataset(input: ParsedInput<'runs.create'>, dataset: Dataset) {
  const { model, train } = input.config
  const problems: string[] = []
  if (dataset.shape.H !== model.imageHeight || dataset.shape.W !== model.imageWidth) {
    problems.push(
      `its frames are ${dataset.shape.H}×${dataset.shape.W}, the model expects ${model.imageHeight}×${model.imageWidth}`,
    )
  }
  if (dataset.shape.C !== model.channels) {
    problems.push(
      `its frames have ${dataset.shape.C} channels, the model expects ${model.channels}`,
    )
  }
  if (dataset.shape.T < train.inputFrames + train.outputFrames) {
    problems.push(
      `its clips have ${dataset.shape.T} frames, the run needs ${train.inputFrames} + ${train.outputFrames}`,
    )
  }
  if (dataset.splits.train < train.batchSize) {
    problems.push(
      `its train split has ${dataset.splits.train} clips, fewer than a batch of ${train.batchSize}`,
    )
  }
  if (dataset.splits.test === 0) problems.push('it has no test clips to evaluate on')
  if (problems.length) {
    throw new WorkbenchError(
      'invalid_input',
      `dataset "${dataset.name}" does not fit this run: ${problems.join('; ')}`,
    )
  }
}
