import { rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  DEFAULT_EXPERIMENT_NAME,
  RESTARTABLE_STATUSES,
  RunConfig,
  WorkbenchError,
  type EvaluationSummary,
  type ParsedInput,
  type Run,
  type RunMetrics,
} from '../api/contract'
import type { BackendName } from '../domain/backends'
import type { Executor } from '../domain/runs'
import {
  createLocalExecutor,
  type JobEvents,
  type JobExecutor,
  type JobPlacement,
} from '../jobs/executor'
import { describeExit, type TrainerExit } from '../jobs/job-host'
import type { TrainJobSpec, TrainerMessage } from '../jobs/trainer-protocol'
import { listCheckpoints } from '../ml/checkpoint/checkpoint-latest'
import { modelFootprint } from '../ml/model-footprint'
import type { ExperimentsRepo } from '../store/experiments-repo'
import type { JobRow, JobsRepo } from '../store/jobs-repo'
import type { RunRow, RunsRepo } from '../store/runs-repo'
import type { ZooRepo } from '../store/zoo-repo'
import { nowIso } from '../store/time'
import type { WorkspacePaths } from '../store/workspace'
import type { DatasetsService } from './datasets-service'
import type { Emit } from './events'
import { memoryOn } from './iteration-estimate'
import { createJobQueue, type Readiness } from './job-queue'
import { validateDataset, validateModel, validateSources } from './run-validation'

export interface RunsServiceDeps {
  runs: RunsRepo
  jobs: JobsRepo
  experiments: ExperimentsRepo
  datasets: DatasetsService
  paths: WorkspacePaths
  emit: Emit
  /** Local trainers at once (default 1); 0: this process runs no jobs. */
  concurrency?: number
  /**
   * Where jobs run: `current` takes new jobs (the workspace's executor setting), `named`
   * follows a job again after a restart. Default: trainer processes of this machine.
   */
  executors?: {
    current(): JobExecutor
    named(name: Executor): JobExecutor
  }
  /** Zoo membership: a member cannot be deleted while the zoo lists it. */
  zoo: Pick<ZooRepo, 'ofRun'>
  /**
   * The backend a run's config will train on, where known (the probe has run): a run that
   * cannot fit its memory is refused, as the form refuses it, rather than filed to fail.
   */
  plannedBackend?: (config: RunConfig) => BackendName | undefined
}

/** What a stopped trainer was stopped for, so its exit is filed correctly. */
type StopReason = 'cancel' | 'pause-to-disk' | 'shutdown'

/**
 * A run's lifecycle: filed (checked against its sources and dataset), queued, trained or
 * evaluated by a trainer process whose messages it files, controlled, deleted. What a run
 * leaves on disk is read by run-artifacts-service.ts; imported weights become runs through
 * model-import-service.ts.
 */
export function createRunsService(deps: RunsServiceDeps) {
  const { runs, emit } = deps
  const stopReasons = new Map<number, StopReason>()
  /** Jobs Slurm holds back, by job id: its pending reason in words. */
  const slurmWaits = new Map<number, string>()
  const local = createLocalExecutor(deps.concurrency ?? 1)
  const executors = deps.executors ?? { current: () => local, named: () => local }
  const runsJobs = deps.concurrency !== 0

  const runDir = (id: number) => join(deps.paths.runs, String(id))

  function require(id: number): RunRow {
    const run = runs.get(id)
    if (!run) throw new WorkbenchError('not_found', `run ${id} does not exist`)
    return run
  }

  function toRun(row: RunRow): Run {
    const config = RunConfig.parse(row.config)
    return { ...row, config, footprint: modelFootprint(config.model, config.train) }
  }

  function changed(id: number) {
    emit('runs.changed', { id })
  }

  /** A run was filed, started, ended or deleted: its experiment's "updated" moves too. */
  function touchExperiment(experimentId: number) {
    deps.experiments.touch(experimentId)
    emit('experiments.changed', { id: experimentId })
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
      initFromRunDir: run.kind === 'finetune' ? runDir(run.sourceRunIds[0]!) : null,
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
        changed(runId) // Its folder grew (or shrank): the run page re-reads its disk usage.
        break
      }
      case 'evaluation':
        runs.addEvaluation(runId, message.split, message.iteration, message.summary)
        logLine(runId, 'info', `evaluated on ${message.split} at iteration ${message.iteration}`)
        changed(runId)
        break
      case 'node':
        logLine(runId, 'info', nodeReport(message))
        break
      case 'finished':
      case 'failed':
        break // Filed when the process has exited (settled), with its exit status.
    }
  }

  /** Where the job stands with its executor: Slurm's queue, a node, requeued. */
  function onPlaced(runId: number, placement: JobPlacement) {
    const run = require(runId)
    runs.update(runId, {
      executor: placement.executor,
      slurmJobId: placement.slurmJobId,
      ...(placement.node ? { node: placement.node } : {}),
      ...(placement.partition ? { partition: placement.partition } : {}),
    })
    if (placement.executor === 'slurm') {
      const job = `Slurm job ${placement.slurmJobId}`
      if (placement.state === 'running' && run.status === 'queued') {
        runs.update(runId, { status: 'running', startedAt: nowIso(), finishedAt: null })
        logLine(runId, 'info', `${job} running on ${placement.node ?? 'a node'}`)
      } else if (placement.state === 'pending') {
        if (run.status === 'running' || run.status === 'paused') {
          runs.update(runId, { status: 'queued' })
          logLine(runId, 'warn', `${job} was requeued: it resumes from its last checkpoint`)
        }
        logLine(runId, 'info', `${job} waits: ${placement.reason}`)
      }
    }
    changed(runId)
  }

  function eventsOf(job: JobRow): JobEvents {
    return {
      message: (message) => onTrainerMessage(job.runId, message),
      placed: (placement) => {
        if (placement.state === 'pending') slurmWaits.set(job.id, placement.reason ?? 'pending')
        else slurmWaits.delete(job.id)
        onPlaced(job.runId, placement)
      },
      consumed: (offset) => deps.jobs.setMessagesOffset(job.id, offset),
    }
  }

  /**
   * Ends the attempt that began at the run's startedAt, adding it to the run's training time:
   * startedAt and finishedAt are the latest attempt's, a resume starts another.
   */
  function endAttempt(runId: number, finishedAt: string) {
    const run = require(runId)
    const going = run.startedAt !== null && run.finishedAt === null
    const seconds = going ? (Date.parse(finishedAt) - Date.parse(run.startedAt!)) / 1000 : 0
    return { finishedAt, trainedSeconds: run.trainedSeconds + Math.max(0, seconds) }
  }

  function settled(job: JobRow, exit: TrainerExit) {
    slurmWaits.delete(job.id)
    const reason = stopReasons.get(job.runId)
    stopReasons.delete(job.runId)
    const last = exit.last
    const { finishedAt, trainedSeconds } = endAttempt(job.runId, nowIso())
    if (last?.type === 'finished' && last.reason === 'completed') {
      deps.jobs.setState(job.id, 'done')
      runs.update(job.runId, {
        status: 'completed',
        iteration: last.iteration,
        error: null,
        finishedAt,
        trainedSeconds,
      })
      logLine(job.runId, 'info', 'completed')
    } else if (last?.type === 'finished' || (reason === 'cancel' && last?.type !== 'failed')) {
      // A cancelled Slurm job may never have started: it has no last word.
      deps.jobs.setState(job.id, reason === 'cancel' ? 'cancelled' : 'interrupted')
      const status = reason === 'cancel' ? 'cancelled' : 'interrupted'
      const iteration = last?.type === 'finished' ? last.iteration : require(job.runId).iteration
      runs.update(job.runId, { status, iteration, finishedAt, trainedSeconds })
      logLine(
        job.runId,
        'info',
        last
          ? `stopped at iteration ${iteration} (checkpoint kept)`
          : 'cancelled before it started',
      )
    } else {
      const message = describeExit(exit)
      deps.jobs.setState(job.id, 'failed', message)
      runs.update(job.runId, { status: 'failed', error: message, finishedAt, trainedSeconds })
      logLine(job.runId, 'error', message)
    }
    changed(job.runId)
    touchExperiment(require(job.runId).experimentId)
  }

  /**
   * A training job waits for the runs it trains on (a finetune's source, a TMU target's
   * sources) to complete; where the executor schedules (Slurm), only until each has a job
   * there for Slurm to hold it on (afterok). A source that failed or was cancelled never
   * completes: the job is refused.
   */
  function readiness(job: JobRow): Readiness {
    if (job.kind !== 'train') return { state: 'ready', after: [] }
    const executor = executors.current()
    const after: string[] = []
    for (const id of require(job.runId).sourceRunIds) {
      const source = require(id)
      if (source.status === 'completed') continue
      if (source.status === 'failed' || source.status === 'cancelled') {
        return {
          state: 'refused',
          reason: `source run "${source.name}" ${source.status}: there is nothing to train on`,
        }
      }
      const submitted =
        deps.jobs.activeOfRun(id)?.state === 'running' && source.executor === executor.name
      if (!executor.schedules || !submitted || !source.slurmJobId) return { state: 'wait' }
      after.push(source.slurmJobId)
    }
    return { state: 'ready', after }
  }

  const queue = createJobQueue({
    repo: deps.jobs,
    concurrency: () => (runsJobs ? executors.current().concurrency : 0),
    readiness,
    startsTogether: () => executors.current().schedules,
    launch(jobs, after) {
      const executor = executors.current()
      const launches = jobs.map((job) => {
        const spec = specOf(job)
        // A local trainer starts now; a Slurm job is queued until the cluster starts it.
        const startsNow = executor.name === 'local'
        runs.update(job.runId, {
          status: startsNow ? 'running' : 'queued',
          error: null,
          startedAt: startsNow ? nowIso() : null,
          finishedAt: null,
          executor: executor.name,
          slurmJobId: null,
          node: null,
          partition: null,
        })
        changed(job.runId)
        touchExperiment(require(job.runId).experimentId)
        return { jobId: job.id, spec, events: eventsOf(job) }
      })
      return executor.start(launches, after)
    },
    reattach(job) {
      const run = require(job.runId)
      if (!run.slurmJobId) return null
      const detached = {
        jobId: job.id,
        runDir: runDir(run.id),
        slurmJobId: run.slurmJobId,
        offset: job.messagesOffset,
      }
      const handle = executors.named(run.executor).reattach(detached, eventsOf(job))
      if (handle) logLine(run.id, 'info', `following Slurm job ${run.slurmJobId} again`)
      return handle
    },
    waitingOf: (job) => slurmWaits.get(job.id) ?? null,
    settled,
    failedToStart(job, error) {
      runs.update(job.runId, {
        status: 'failed',
        error: error.message,
        ...endAttempt(job.runId, nowIso()),
      })
      logLine(job.runId, 'error', error.message)
      changed(job.runId)
    },
  })

  function evaluation(id: number, split: 'val' | 'test'): EvaluationSummary | null {
    require(id)
    const found = runs.latestEvaluation(id, split)
    return found
      ? ({ ...found.summary, split, iteration: found.iteration } as EvaluationSummary)
      : null
  }

  /** The experiment for runs filed without one, made the first time it is needed. */
  function defaultExperimentId(): number {
    const found = deps.experiments.list(true).find((e) => e.name === DEFAULT_EXPERIMENT_NAME)
    if (found) return found.id
    const made = deps.experiments.create({
      name: DEFAULT_EXPERIMENT_NAME,
      description: 'Runs started without an experiment.',
      tags: [],
    })
    emit('experiments.changed', { id: made.id })
    return made.id
  }

  /** A job the executor could not take is refused before anything is filed. */
  function checkExecutor() {
    try {
      executors.current().check()
    } catch (error) {
      throw new WorkbenchError('invalid_input', (error as Error).message)
    }
  }

  /** A run to file is refused, naming the problem, before anything is written. */
  function checkRun(input: ParsedInput<'runs.create'>) {
    if (input.experimentId !== undefined && !deps.experiments.get(input.experimentId)) {
      throw new WorkbenchError('not_found', `experiment ${input.experimentId} does not exist`)
    }
    validateModel(input.config)
    validateSources(input, { run: require, sourceName })
    validateDataset(input, deps.datasets.get(input.datasetId))
    const backend = deps.plannedBackend?.(input.config)
    const refusal = backend && memoryOn(backend, input.config).refusal
    if (refusal) throw new WorkbenchError('invalid_input', `Too big for ${backend}: ${refusal}.`)
    if (input.start) checkExecutor()
  }

  function fileRun(input: ParsedInput<'runs.create'>): RunRow {
    return runs.create({
      experimentId: input.experimentId ?? defaultExperimentId(),
      name: input.name,
      kind: input.kind,
      config: input.config,
      datasetId: input.datasetId,
      sourceRunIds: input.sourceRunIds,
      status: input.start ? 'queued' : 'cancelled',
    })
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
      checkRun(input)
      const row = fileRun(input)
      if (input.start) queue.enqueue(row.id, 'train')
      changed(row.id)
      touchExperiment(row.experimentId)
      return toRun(require(row.id))
    },

    /**
     * Files runs that start together (the seeds of a study's arm): every one is checked
     * before any is filed; their jobs go in as one group, a job array on Slurm.
     */
    createGroup(inputs: ParsedInput<'runs.create'>[]): Run[] {
      for (const input of inputs) checkRun({ ...input, start: true })
      const rows = inputs.map((input) => fileRun({ ...input, start: true }))
      queue.enqueueGroup(rows.map((row) => row.id))
      for (const row of rows) changed(row.id)
      for (const id of new Set(rows.map((row) => row.experimentId))) touchExperiment(id)
      return rows.map((row) => toRun(require(row.id)))
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
          // A pause ends the attempt and a resume starts another, so paused time is not
          // training time (the trainer idles in between).
          runs.update(id, { status: 'paused', ...endAttempt(id, nowIso()) })
          logLine(id, 'info', 'paused')
          break
        case 'resume':
          if (handle && run.status === 'paused') {
            handle.resume()
            runs.update(id, { status: 'running', startedAt: nowIso(), finishedAt: null })
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
    async restart({ id, backend }: ParsedInput<'runs.restart'>): Promise<Run> {
      // A trainer that has just reported its failure may still be exiting: let it finish
      // (and its job settle) before the run is queued again, or its last words would land
      // on the restarted run.
      const exiting = queue.handleOf(id)
      if (exiting && RESTARTABLE_STATUSES.includes(require(id).status)) await exiting.exited
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
      // An imported model has no test split of its own; queueing it would only mark a good
      // zoo member failed.
      if (run.datasetId === null) {
        throw new WorkbenchError(
          'conflict',
          `run "${run.name}" was imported without a dataset: there is no test split to score it on`,
        )
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
      touchExperiment(run.experimentId)
      return null
    },

    logs: (id: number) => (require(id), runs.logs(id, 500).map((line) => ({ runId: id, ...line }))),

    metrics: (id: number): RunMetrics => (require(id), runs.metrics(id)),

    evaluation,

    /** The run's folder: checkpoints, predictions, logs of the trainer. */
    dir: runDir,
    sourceName,

    /**
     * At start: runs left training by a process that died are marked interrupted; with
     * `resume` (the workspace setting resumeInterruptedRuns), every interrupted run is queued
     * again, oldest first, to continue from its last checkpoint.
     */
    recover({ resume }: { resume: boolean }) {
      for (const runId of queue.recover()) {
        // The process died unseen: its attempt ends at the last line the run logged.
        const lastSeen = runs.logs(runId, 1)[0]?.time ?? require(runId).startedAt ?? nowIso()
        runs.update(runId, {
          ...endAttempt(runId, lastSeen),
          status: 'interrupted',
          error:
            'the workbench stopped while this run was training; resume continues from its last checkpoint',
        })
      }
      if (resume) {
        for (const run of runs.list().reverse()) {
          if (run.status !== 'interrupted' || deps.jobs.activeOfRun(run.id)) continue
          logLine(run.id, 'info', 'resuming: the workbench restarted while it trained')
          enqueueTraining(run.id)
        }
      }
      queue.pump()
    },

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

/** The doctor's report from the node a job landed on, for the run's log. */
function nodeReport(message: Extract<TrainerMessage, { type: 'node' }>): string {
  const where = message.slurmJobId
    ? `Slurm job ${message.slurmJobId} on ${message.host}` +
      (message.restarts ? ` (attempt ${message.restarts + 1})` : '')
    : message.host
  const backends = message.attempts
    .map((a) => `${a.name} ${a.ok ? (a.note ?? 'loads') : `no (${a.error ?? 'unavailable'})`}`)
    .join('; ')
  return `${where}: backends: ${backends}`
}
