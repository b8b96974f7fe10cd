import { existsSync, readFileSync, rmSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  RESTARTABLE_STATUSES,
  RunConfig,
  WorkbenchError,
  type ModelConfig,
  type ClipGates,
  type EvaluationSummary,
  type ParsedInput,
  type PredictionClip,
  type Run,
  type RunMetrics,
} from '../api/contract'
import { describeExit, startTrainer, type TrainerExit } from '../jobs/job-host'
import type { PredictionsIndex } from '../jobs/evaluate'
import type { TrainJobSpec, TrainerMessage } from '../jobs/trainer-protocol'
import { listCheckpoints } from '../ml/checkpoint/checkpoint-latest'
import { writeCheckpoint } from '../ml/checkpoint/checkpoint-write'
import { formatShape, type TensorMap } from '../ml/checkpoint/tensors'
import { parameterShapes } from '../ml/parameter-shapes'
import { checkTmuCompatibility, IncompatibleSourcesError } from '../ml/tmu/compatibility'
import type { ClipIntrospection } from '../ml/tmu/introspection'
import { tmuLayerIndices } from '../ml/tmu/tmu-layers'
import type { ExperimentsRepo } from '../store/experiments-repo'
import type { JobRow, JobsRepo } from '../store/jobs-repo'
import type { RunRow, RunsRepo } from '../store/runs-repo'
import type { ZooRepo } from '../store/zoo-repo'
import { nowIso } from '../store/time'
import { folderBytes } from '../util/folder-bytes'
import type { WorkspacePaths } from '../store/workspace'
import type { DatasetsService } from './datasets-service'
import type { Emit } from './events'
import { createJobQueue } from './job-queue'
import { renderModelCardHtml, renderModelCardMarkdown } from './model-card'

export interface RunsServiceDeps {
  runs: RunsRepo
  jobs: JobsRepo
  experiments: ExperimentsRepo
  datasets: DatasetsService
  paths: WorkspacePaths
  emit: Emit
  /** Trainers at once (default 1). */
  concurrency?: number
  /** Zoo membership: a member cannot be deleted while the zoo lists it. */
  zoo: Pick<ZooRepo, 'ofRun'>
}

/** What a stopped trainer was stopped for, so its exit is filed correctly. */
type StopReason = 'cancel' | 'pause-to-disk' | 'shutdown'

export function createRunsService(deps: RunsServiceDeps) {
  const { runs, emit } = deps
  const stopReasons = new Map<number, StopReason>()

  const runDir = (id: number) => join(deps.paths.runs, String(id))

  function require(id: number): RunRow {
    const run = runs.get(id)
    if (!run) throw new WorkbenchError('not_found', `run ${id} does not exist`)
    return run
  }

  function toRun(row: RunRow): Run {
    return { ...row, config: RunConfig.parse(row.config) }
  }

  function changed(id: number) {
    emit('runs.changed', { id })
  }

  /** A line for the run's log: kept with the run (a few per checkpoint) and sent live. */
  function logLine(runId: number, level: 'info' | 'warn' | 'error', text: string) {
    const line = { runId, time: nowIso(), level, text }
    runs.addLog(runId, line)
    emit('runs.log', line)
  }

  function specOf(job: JobRow): TrainJobSpec {
    const run = require(job.runId)
    const config = RunConfig.parse(run.config)
    const initFrom =
      run.kind === 'finetune' ? latestCheckpointOf(run.sourceRunIds[0]!, 'finetune source') : null
    return {
      runId: run.id,
      kind: run.kind,
      runDir: runDir(run.id),
      datasetDir: deps.datasets.dir(run.datasetId!),
      model: config.model,
      train: config.train,
      backend: config.backend,
      // A fresh start ignores leftovers of an earlier attempt only if there are none.
      resume: listCheckpoints(runDir(run.id)).length > 0,
      validationClips: config.validationClips,
      testClips: config.testClips,
      initFrom,
      sources:
        run.kind === 'tmu'
          ? run.sourceRunIds.map((id) => ({ name: sourceName(id), runDir: runDir(id) }))
          : [],
      evaluateOnly: job.kind === 'evaluate',
    }
  }

  /** A source is known by its zoo name, else by its run's name. */
  function sourceName(runId: number): string {
    return deps.zoo.ofRun(runId)?.name ?? require(runId).name
  }

  function latestCheckpointOf(runId: number, role: string): string {
    const latest = listCheckpoints(runDir(runId))[0]
    if (!latest) throw new Error(`${role} run ${runId} has no checkpoint yet`)
    return latest.path
  }

  function onTrainerMessage(runId: number, message: TrainerMessage) {
    switch (message.type) {
      case 'started':
        runs.update(runId, { backend: message.backend, iteration: message.iteration })
        logLine(runId, 'info', `training on ${message.backendReason}`)
        if (message.iteration > 0)
          logLine(runId, 'info', `resumed at iteration ${message.iteration}`)
        for (const note of message.notes) logLine(runId, 'warn', note)
        changed(runId)
        break
      case 'progress':
        runs.update(runId, { iteration: message.iteration })
        emit('runs.progress', {
          runId,
          iteration: message.iteration,
          total: message.total,
          loss: message.loss,
          samplingEta: message.samplingEta,
          itersPerSecond: message.itersPerSecond,
          etaSeconds: message.etaSeconds,
        })
        break
      case 'metrics':
        runs.addMetrics(runId, message.rows)
        break
      case 'checkpoint': {
        const best = message.best ? ' (best val/mse so far)' : ''
        const pruned = message.pruned.length ? `; removed ${message.pruned.join(', ')}` : ''
        logLine(runId, 'info', `checkpoint at iteration ${message.iteration}${best}${pruned}`)
        break
      }
      case 'evaluation':
        runs.addEvaluation(runId, message.split, message.iteration, message.summary)
        logLine(runId, 'info', `evaluated on ${message.split} at iteration ${message.iteration}`)
        changed(runId)
        break
      case 'finished':
      case 'failed':
        break // Filed when the process has exited (settled), with its exit status.
    }
  }

  function settled(job: JobRow, exit: TrainerExit) {
    const reason = stopReasons.get(job.runId)
    stopReasons.delete(job.runId)
    const last = exit.last
    const finishedAt = nowIso()
    if (last?.type === 'finished' && last.reason === 'completed') {
      deps.jobs.setState(job.id, 'done')
      runs.update(job.runId, {
        status: 'completed',
        iteration: last.iteration,
        error: null,
        finishedAt,
      })
      logLine(job.runId, 'info', 'completed')
    } else if (last?.type === 'finished') {
      deps.jobs.setState(job.id, reason === 'cancel' ? 'cancelled' : 'interrupted')
      const status = reason === 'cancel' ? 'cancelled' : 'interrupted'
      runs.update(job.runId, { status, iteration: last.iteration, finishedAt })
      logLine(job.runId, 'info', `stopped at iteration ${last.iteration} (checkpoint kept)`)
    } else {
      const message = describeExit(exit)
      deps.jobs.setState(job.id, 'failed', message)
      runs.update(job.runId, { status: 'failed', error: message, finishedAt })
      logLine(job.runId, 'error', message)
    }
    changed(job.runId)
  }

  const queue = createJobQueue({
    repo: deps.jobs,
    concurrency: deps.concurrency ?? 1,
    launch(job) {
      const spec = specOf(job)
      runs.update(job.runId, {
        status: 'running',
        error: null,
        startedAt: nowIso(),
        finishedAt: null,
      })
      changed(job.runId)
      return startTrainer(spec, (message) => onTrainerMessage(job.runId, message))
    },
    settled,
    failedToStart(job, error) {
      runs.update(job.runId, { status: 'failed', error: error.message, finishedAt: nowIso() })
      logLine(job.runId, 'error', error.message)
      changed(job.runId)
    },
  })

  function validateSources(input: ParsedInput<'runs.create'>) {
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
      const source = require(id)
      if (source.status !== 'completed') {
        throw new WorkbenchError('invalid_input', `source run "${source.name}" has not completed`)
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
            name: sourceName(id),
            config: RunConfig.parse(require(id).config).model,
          })),
        )
      } catch (error) {
        if (error instanceof IncompatibleSourcesError)
          throw new WorkbenchError('invalid_input', error.message)
        throw error
      }
    }
  }

  function validateDataset(input: ParsedInput<'runs.create'>) {
    const dataset = deps.datasets.get(input.datasetId)
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

  function evaluation(id: number, split: 'val' | 'test'): EvaluationSummary | null {
    require(id)
    const found = runs.latestEvaluation(id, split)
    return found
      ? ({ ...found.summary, split, iteration: found.iteration } as EvaluationSummary)
      : null
  }

  function enqueueTraining(id: number) {
    runs.update(id, { status: 'queued', error: null })
    queue.enqueue(id, 'train')
    changed(id)
  }

  return {
    list: (experimentId?: number): Run[] => runs.list(experimentId).map(toRun),
    get: (id: number): Run => toRun(require(id)),

    create(input: ParsedInput<'runs.create'>): Run {
      if (!deps.experiments.get(input.experimentId)) {
        throw new WorkbenchError('not_found', `experiment ${input.experimentId} does not exist`)
      }
      validateSources(input)
      validateDataset(input)
      const row = runs.create({
        experimentId: input.experimentId,
        name: input.name,
        kind: input.kind,
        config: input.config,
        datasetId: input.datasetId,
        sourceRunIds: input.sourceRunIds,
        status: input.start ? 'queued' : 'cancelled',
      })
      if (input.start) queue.enqueue(row.id, 'train')
      changed(row.id)
      return toRun(require(row.id))
    },

    update({ id, ...patch }: ParsedInput<'runs.update'>): Run {
      require(id)
      runs.update(id, patch)
      changed(id)
      return toRun(require(id))
    },

    control({ id, action }: ParsedInput<'runs.control'>): Run {
      const run = require(id)
      const handle = queue.handleOf(id)
      switch (action) {
        case 'pause':
          if (!handle || run.status !== 'running') {
            throw new WorkbenchError('conflict', `run "${run.name}" is not training`)
          }
          handle.pause()
          runs.update(id, { status: 'paused' })
          logLine(id, 'info', 'paused')
          break
        case 'resume':
          if (handle && run.status === 'paused') {
            handle.resume()
            runs.update(id, { status: 'running' })
            logLine(id, 'info', 'resumed')
          } else if (['interrupted', 'failed', 'cancelled'].includes(run.status)) {
            enqueueTraining(id)
          } else {
            throw new WorkbenchError(
              'conflict',
              `run "${run.name}" is ${run.status}; nothing to resume`,
            )
          }
          break
        case 'cancel': {
          const job = deps.jobs.activeOfRun(id)
          if (handle) {
            stopReasons.set(id, 'cancel')
            handle.stop()
            logLine(id, 'info', 'cancelling after the next checkpoint')
          } else if (job?.state === 'queued') {
            deps.jobs.setState(job.id, 'cancelled')
            runs.update(id, { status: 'cancelled', finishedAt: nowIso() })
          } else {
            throw new WorkbenchError(
              'conflict',
              `run "${run.name}" is ${run.status}; nothing to cancel`,
            )
          }
          break
        }
        case 'restart':
          if (handle) throw new WorkbenchError('conflict', `run "${run.name}" is training`)
          enqueueTraining(id)
          break
      }
      changed(id)
      return toRun(require(id))
    },

    /** Trains a run that stopped short again, on another backend, from its last checkpoint. */
    restart({ id, backend }: ParsedInput<'runs.restart'>): Run {
      const run = require(id)
      if (queue.handleOf(id) || !RESTARTABLE_STATUSES.includes(run.status)) {
        throw new WorkbenchError(
          'conflict',
          `run "${run.name}" is ${run.status}; only a failed, cancelled or interrupted run can be restarted on another backend`,
        )
      }
      const config = RunConfig.parse(run.config)
      runs.update(id, { config: { ...config, backend } })
      const from = listCheckpoints(runDir(id))[0]
      logLine(
        id,
        'info',
        `restarting on ${backend} (it ran on ${run.backend ?? 'no backend yet'}), ` +
          (from ? `from the checkpoint at iteration ${from.iteration}` : 'from the start'),
      )
      enqueueTraining(id)
      return toRun(require(id))
    },

    evaluate(id: number): Run {
      const run = require(id)
      if (queue.handleOf(id)) throw new WorkbenchError('conflict', `run "${run.name}" is training`)
      if (listCheckpoints(runDir(id)).length === 0) {
        throw new WorkbenchError('conflict', `run "${run.name}" has no checkpoint to evaluate`)
      }
      runs.update(id, { status: 'queued', error: null })
      queue.enqueue(id, 'evaluate')
      changed(id)
      return toRun(require(id))
    },

    delete(id: number): null {
      const run = require(id)
      if (queue.handleOf(id)) {
        throw new WorkbenchError('conflict', `run "${run.name}" is training; cancel it first`)
      }
      const member = deps.zoo.ofRun(id)
      if (member) {
        throw new WorkbenchError(
          'conflict',
          `run "${run.name}" is the zoo's "${member.name}"; remove it from the zoo first`,
        )
      }
      const dependents = runs.dependents(id)
      if (dependents.length) {
        throw new WorkbenchError(
          'conflict',
          `run "${run.name}" is a source of run(s) ${dependents.join(', ')}; delete those first`,
        )
      }
      runs.delete(id)
      rmSync(runDir(id), { recursive: true, force: true })
      changed(id)
      return null
    },

    logs: (id: number) => (require(id), runs.logs(id, 500).map((line) => ({ runId: id, ...line }))),

    metrics: (id: number): RunMetrics => (require(id), runs.metrics(id)),

    evaluation,

    prediction(id: number, clip: number): PredictionClip {
      const run = require(id)
      const dir = join(runDir(id), 'predictions')
      if (!existsSync(join(dir, 'test.json'))) {
        throw new WorkbenchError('not_found', `run "${run.name}" has no saved test predictions yet`)
      }
      const index = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as PredictionsIndex
      const at = index.clips.indexOf(clip)
      if (at < 0) {
        throw new WorkbenchError(
          'not_found',
          `run "${run.name}" predicted ${index.clips.length} test clips; not clip ${clip}`,
        )
      }
      const [, T, H, W, C] = index.shape
      const clipBytes = T * H * W * C
      const bytes = readFileSync(join(dir, 'test.u8')).subarray(
        at * clipBytes,
        (at + 1) * clipBytes,
      )
      return {
        shape: [T, H, W, C],
        framesBase64: Buffer.from(bytes).toString('base64'),
        inputFrames: index.inputFrames,
        clip,
      }
    },

    /** The run's model card: config, lineage (target ← sources), metrics and curves. */
    card(id: number, format: 'markdown' | 'html'): { fileName: string; content: string } {
      const run = toRun(require(id))
      const input = {
        run,
        sources: run.sourceRunIds.map((sourceId) => ({
          name: sourceName(sourceId),
          dataset: require(sourceId).datasetName,
          runId: sourceId,
        })),
        evaluation: evaluation(id, 'test'),
        generatedAt: nowIso(),
      }
      const base = run.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || `run-${id}`
      return format === 'html'
        ? { fileName: `${base}.html`, content: renderModelCardHtml(input) }
        : { fileName: `${base}.md`, content: renderModelCardMarkdown(input) }
    },

    gates(id: number, clip: number): ClipGates {
      const run = require(id)
      const dir = join(runDir(id), 'predictions')
      if (!RunConfig.parse(run.config).model.tmu) {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" is not a TMU target; it has no transfer gates`,
        )
      }
      if (!existsSync(join(dir, 'test-gates.json'))) {
        throw new WorkbenchError('not_found', `run "${run.name}" has no evaluated test clips yet`)
      }
      const index = JSON.parse(readFileSync(join(dir, 'test.json'), 'utf8')) as PredictionsIndex
      const all = JSON.parse(
        readFileSync(join(dir, 'test-gates.json'), 'utf8'),
      ) as ClipIntrospection[]
      const at = index.clips.indexOf(clip)
      if (at < 0 || !all[at]) {
        throw new WorkbenchError(
          'not_found',
          `run "${run.name}" has no gates for test clip ${clip}`,
        )
      }
      const model = RunConfig.parse(run.config).model
      return {
        clip,
        layers: tmuLayerIndices(model).map((l) => l + 1),
        sources: run.sourceRunIds.map(sourceName),
        gateMean: all[at].gateMean,
      }
    },

    /**
     * Files weights from elsewhere as a completed source run (filed under the experiment
     * "Imported models") with a checkpoint, so the zoo, finetunes and TMU targets use it like
     * any trained run. The weights must be exactly the model's parameters.
     */
    importSource(input: {
      name: string
      file: string
      model: ModelConfig
      weights: TensorMap
    }): Run {
      if (input.model.tmu) {
        throw new WorkbenchError(
          'invalid_input',
          `${basename(input.file)}: a source is a plain network; remove model.tmu`,
        )
      }
      const problems = weightProblems(input.weights, parameterShapes(input.model))
      if (problems.length) {
        throw new WorkbenchError(
          'invalid_input',
          `${basename(input.file)} does not fit a ${input.model.cell} ${input.model.hidden.join('×')}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
        )
      }
      const experimentName = 'Imported models'
      const experiment =
        deps.experiments.list(true).find((e) => e.name === experimentName) ??
        deps.experiments.create({
          name: experimentName,
          description: 'Source models imported from files',
          tags: ['imported'],
        })
      const config = RunConfig.parse({ model: input.model, train: {} })
      const row = runs.create({
        experimentId: experiment.id,
        name: input.name,
        kind: 'source',
        config,
        datasetId: null,
        sourceRunIds: [],
        status: 'completed',
      })
      try {
        writeCheckpoint(runDir(row.id), {
          weights: input.weights,
          optimizer: {},
          state: {
            formatVersion: 1,
            modelKind: input.model.cell,
            iteration: 0,
            eta: 0,
            rng: { algorithm: 'mulberry32', state: 0 },
            dataCursor: null,
            config: { model: config.model, train: config.train },
            backend: 'imported',
          },
        })
      } catch (error) {
        runs.delete(row.id)
        rmSync(runDir(row.id), { recursive: true, force: true })
        throw error
      }
      runs.update(row.id, {
        backend: 'imported',
        finishedAt: nowIso(),
        notes: `Imported from ${basename(input.file)}`,
      })
      changed(row.id)
      return toRun(require(row.id))
    },

    /** At start: runs left training by a process that died are marked interrupted. */
    recover() {
      for (const runId of queue.recover()) {
        runs.update(runId, {
          status: 'interrupted',
          error:
            'the workbench stopped while this run was training; resume continues from its last checkpoint',
        })
      }
      queue.pump()
    },

    /** Bytes of each run's folder, read from disk (a run's checkpoints change as it trains). */
    usage: (experimentId?: number) =>
      runs.list(experimentId).map((r) => ({ runId: r.id, bytes: folderBytes(runDir(r.id)) })),

    jobs: () => queue.active(),

    reorderJob(jobId: number, beforeJobId: number | null) {
      queue.reorder(jobId, beforeJobId)
      emit('jobs.changed', {})
      return queue.active()
    },

    close: () => queue.close(),
  }
}

export type RunsService = ReturnType<typeof createRunsService>

/** Every way `weights` differs from the parameters a model has (names, shapes, dtypes). */
function weightProblems(weights: TensorMap, expected: Record<string, number[]>): string[] {
  const problems: string[] = []
  for (const [name, shape] of Object.entries(expected)) {
    const tensor = weights[name]
    if (!tensor) problems.push(`missing ${name}`)
    else if (tensor.dtype !== 'F32') problems.push(`${name} is ${tensor.dtype}, weights are F32`)
    else if (formatShape(tensor.shape) !== formatShape(shape)) {
      problems.push(`${name} is ${formatShape(tensor.shape)}, the model has ${formatShape(shape)}`)
    }
  }
  for (const name of Object.keys(weights))
    if (!(name in expected)) problems.push(`unexpected ${name}`)
  return problems
}
