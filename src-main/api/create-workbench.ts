import { EventEmitter } from 'node:events'
import { availableParallelism, homedir } from 'node:os'
import {
  ApiCallError,
  WorkbenchError,
  type EventName,
  type EventPayload,
  type Input,
  type Method,
  type Output,
  type SystemInfo,
} from './contract'
import { createRouter, type Handlers, type Router } from './router'
import { openDatabase, type Db } from '../store/database'
import { createExperimentsRepo } from '../store/experiments-repo'
import { createRunsRepo } from '../store/runs-repo'
import { createDatasetsRepo } from '../store/datasets-repo'
import { createJobsRepo } from '../store/jobs-repo'
import { createDatasetsService } from '../services/datasets-service'
import { createRunsService } from '../services/runs-service'
import { createRunArtifactsService } from '../services/run-artifacts-service'
import { createComparisonVideoService } from '../services/comparison-video-service'
import { createModelImportService } from '../services/model-import-service'
import { createZooService } from '../services/zoo-service'
import { createPredictionService } from '../services/prediction-service'
import { defaultBuiltInZooDir } from '../services/builtin-zoo'
import { createStudiesService } from '../services/studies-service'
import { estimateIteration, plannedBackend } from '../services/iteration-estimate'
import { createStudyRecords } from '../store/study-records'
import { createZooRepo } from '../store/zoo-repo'
import { ensureWorkspace, type WorkspacePaths } from '../store/workspace'
import { probeBackends } from '../services/backend-probe'
import { acquireJobRunnerLock, WorkspaceBusyError } from '../store/workspace-lock'
import { createExperimentsService } from '../services/experiments-service'
import type { BackendProbe } from '../domain/backends'
import { createSystemService } from '../services/system-service'
import { createSettingsService } from '../services/settings-service'
import { resolveImportPath } from '../services/import-roots'
import { createSettingsRepo } from '../store/settings-repo'
import { batchScriptPreview, checkExecutorSettings, createExecutors } from '../services/executors'
import type { Emit } from '../services/events'
import { configureLogging } from '../util/logger'

/** Where a workspace lives when none is named, for the shells' `--workspace` defaults. */
export { defaultWorkspaceRoot } from '../store/workspace'

const UNDO_WINDOW_MS = 24 * 60 * 60 * 1000

export interface WorkbenchOptions {
  workspace: string
  transport: SystemInfo['transport']
  /** Which backends load (default: asked of a trainer process; tests pass a fixed list). */
  probeBackends?: () => Promise<BackendProbe[]>
  /** Generate the built-in Flying Digits set in a workspace that has no dataset (default on). */
  builtinDataset?: boolean
  /** Trainer processes at once (default 1). */
  concurrency?: number
  /** The shipped zoo's folder (default: resources/zoo; tests give their own). */
  builtInZooDir?: string
  /** Folders dataset imports may read (default: the user's home folder). */
  importRoots?: string[]
  /**
   * Start trainers and recover interrupted jobs (default on). Only one process per workspace
   * may (see store/workspace-lock.ts); commands that only read or file results pass false.
   */
  runJobs?: boolean
  /**
   * Queue runs a stopped workbench left interrupted again at start, unless the workspace's
   * resumeInterruptedRuns setting is off. Default: for the app and `tmu serve`, not for a
   * one-shot command such as `tmu train`, which would stop them again when it ends.
   */
  resumeInterrupted?: boolean
  /** The better-sqlite3 addon to load instead of the Node build (the desktop app's own). */
  sqliteBinding?: string
}

function takeJobRunnerLock(root: string, transport: SystemInfo['transport']) {
  const owner = { ipc: 'the desktop app', websocket: 'tmu serve', 'in-process': 'a tmu command' }[
    transport
  ]
  try {
    return acquireJobRunnerLock(root, owner)
  } catch (error) {
    if (!(error instanceof WorkspaceBusyError)) throw error
    throw new WorkbenchError(
      'conflict',
      `${root} is in use: ${error.message}. Start runs from there, or stop it first.`,
    )
  }
}

export type EventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void

export interface Workbench {
  router: Router
  /** An in-process call through the router (validation included), for the CLI and tests. */
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>
  paths: WorkspacePaths
  db: Db
  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: EventListener): () => void
  /**
   * Lets imports read a file or folder the user picked in the desktop app's native dialog,
   * until the workbench closes; returns its real path. Not a router method: a page in a
   * browser must not be able to widen what serve mode reads.
   */
  grantImport(path: string): string
  /** Stops trainers (each writes a checkpoint first), then closes the database. */
  close(): Promise<void>
}

/** The composition root: one workspace, its database, the services and the router over them. */
export function createWorkbench(options: WorkbenchOptions): Workbench {
  const paths = ensureWorkspace(options.workspace)
  configureLogging(paths.logs)
  const runJobs = options.runJobs ?? true
  const lock = runJobs ? takeJobRunnerLock(paths.root, options.transport) : null
  let db: Db
  try {
    db = openDatabase(paths.database, options.sqliteBinding)
  } catch (error) {
    lock?.release()
    throw error
  }
  const bus = new EventEmitter()
  const emit: Emit = (event, payload) => bus.emit('event', event, payload)

  const experimentsRepo = createExperimentsRepo(db)
  // Deleted experiments stay restorable for a day (the UI offers undo), then go for good.
  experimentsRepo.purgeDeleted(new Date(Date.now() - UNDO_WINDOW_MS).toISOString())
  const experiments = createExperimentsService(experimentsRepo, emit)
  const settings = createSettingsService(createSettingsRepo(db))
  const fixedImportRoots = options.importRoots ?? [homedir()]
  const pickedImports: string[] = []
  // Read at each import, so a folder added in Settings (or picked) is allowed at once.
  const importRoots = () => [...fixedImportRoots, ...settings.get().importRoots, ...pickedImports]
  const datasets = createDatasetsService(createDatasetsRepo(db), paths, emit, { importRoots })
  if (options.builtinDataset ?? true) datasets.ensureBuiltin()
  const zooRepo = createZooRepo(db)
  const runsRepo = createRunsRepo(db)
  const probe = options.probeBackends ?? probeBackends
  // Which backends load does not change while the workbench runs: probe once, on demand.
  let probed: Promise<BackendProbe[]> | null = null
  let probedNow: BackendProbe[] | undefined
  const backendsOnce = () => (probed ??= probe().then((found) => (probedNow = found)))
  const runs = createRunsService({
    zoo: zooRepo,
    runs: runsRepo,
    jobs: createJobsRepo(db),
    experiments: experimentsRepo,
    datasets,
    paths,
    emit,
    concurrency: runJobs ? (options.concurrency ?? 1) : 0,
    executors: createExecutors(settings, options.concurrency ?? 1),
    plannedBackend: (config) =>
      config.backend === 'auto' ? plannedBackend(config, probedNow ?? []) : config.backend,
  })
  if (runJobs) {
    const resume = options.resumeInterrupted ?? options.transport !== 'in-process'
    runs.recover({ resume: resume && settings.get().resumeInterruptedRuns })
  }
  const artifacts = createRunArtifactsService({ runs })
  const comparisonVideo = createComparisonVideoService({ runs, datasets, artifacts })
  const imports = createModelImportService({
    runs: runsRepo,
    experiments: experimentsRepo,
    lifecycle: runs,
    emit,
  })
  const predictions = createPredictionService({ runs, datasets })
  const zoo = createZooService(zooRepo, runs, imports, emit, {
    importRoots,
    builtInDir: options.builtInZooDir ?? defaultBuiltInZooDir(),
  })
  const studies = createStudiesService({
    datasets,
    experiments,
    runs,
    zoo,
    records: createStudyRecords(paths.root),
    emit,
  })
  if (runJobs && (options.resumeInterrupted ?? options.transport !== 'in-process')) {
    // Like their runs, the studies a stopped workbench left unfinished go on (same setting).
    if (settings.get().resumeInterruptedRuns) studies.resumeUnfinished()
  }
  const system = createSystemService({
    db,
    paths,
    transport: options.transport,
    fixedImportRoots,
    probeBackends: probe,
  })

  const handlers: Handlers = {
    'system.info': async () => system.info(),
    'system.doctor': () => system.doctor(),
    'settings.get': async () => settings.get(),
    'settings.update': async (input) => settings.update(checkExecutorSettings(settings, input)),
    'experiments.list': async (input) => experiments.list(input),
    'experiments.get': async ({ id }) => experiments.get(id),
    'experiments.create': async (input) => experiments.create(input),
    'experiments.update': async (input) => experiments.update(input),
    'experiments.delete': async ({ id }) => experiments.delete(id),
    'experiments.restore': async ({ id }) => experiments.restore(id),
    'datasets.list': async () => datasets.list(),
    'datasets.generate': async (input) => datasets.generate(input),
    'datasets.preview': (input) => datasets.preview(input),
    'datasets.import': (input) => datasets.import(input),
    'datasets.delete': async ({ id }) => datasets.delete(id),
    'datasets.clip': (input) => datasets.clip(input),
    'runs.list': async ({ experimentId }) => runs.list(experimentId),
    'runs.get': async ({ id }) => runs.get(id),
    'runs.create': async (input) => {
      // `auto` is judged on the backend it will pick, so the probe must have run.
      if (input.config.backend === 'auto') await backendsOnce()
      return runs.create(input)
    },
    'runs.update': async (input) => runs.update(input),
    'runs.control': async (input) => runs.control(input),
    'runs.restart': async (input) => runs.restart(input),
    'runs.delete': async ({ id }) => runs.delete(id),
    'runs.evaluate': async ({ id }) => runs.evaluate(id),
    'runs.card': async ({ id, format }) => artifacts.card(id, format),
    'runs.export': async ({ id }) => artifacts.export(id),
    'runs.exportVideo': (input) => comparisonVideo.exportVideo(input),
    'media.encodeMp4': (input) => comparisonVideo.encode(input),
    'runs.batchScript': async () => batchScriptPreview(settings, paths.runs),
    'runs.estimate': async ({ config, sourceRunIds }) =>
      estimateIteration(
        config,
        sourceRunIds.map((id) => runs.get(id).config.model),
        await backendsOnce(),
        availableParallelism(),
      ),
    'runs.gates': async ({ id, clip }) => artifacts.gates(id, clip),
    'runs.tmuMaps': async ({ id, clip }) => artifacts.tmuMaps(id, clip),
    'studies.flyingDigits': async (input) => studies.flyingDigits(input),
    'studies.create': async (input) => studies.create(input),
    'studies.state': async ({ experimentId }) => studies.state(experimentId) ?? null,
    'studies.resume': async ({ experimentId }) => studies.resume(experimentId),
    'studies.extend': async (input) => studies.extend(input),
    'studies.report': async ({ experimentId }) => studies.report(experimentId),
    'studies.results': async ({ experimentId }) => studies.results(experimentId),
    'studies.restartArm': async (input) => studies.restartArm(input),
    'zoo.list': async () => zoo.list(),
    'zoo.add': async (input) => zoo.add(input),
    'zoo.import': async (input) => zoo.import(input),
    'zoo.remove': async ({ runId }) => zoo.remove(runId),
    'zoo.check': async (input) => zoo.check(input),
    'zoo.builtIn': async () => zoo.builtIn(),
    'zoo.addBuiltIn': async ({ name }) => zoo.addBuiltIn(name),
    'runs.logs': async ({ id }) => runs.logs(id),
    'runs.metrics': async ({ id }) => runs.metrics(id),
    'runs.evaluation': async ({ id, split }) => runs.evaluation(id, split),
    'runs.prediction': async ({ id, clip }) => artifacts.prediction(id, clip),
    'runs.stepPredictions': async ({ id }) => artifacts.stepPredictions(id),
    'runs.stepPrediction': async ({ id, iteration, clip }) =>
      artifacts.stepPrediction(id, iteration, clip),
    'runs.predict': (input) => predictions.predict(input),
    'runs.usage': async ({ experimentId }) => artifacts.usage(experimentId),
    'jobs.list': async () => runs.jobs(),
    'jobs.reorder': async ({ jobId, beforeJobId }) => runs.reorderJob(jobId, beforeJobId),
  }

  const router = createRouter(handlers)
  return {
    router,
    async call(method, input) {
      const { reply } = await router.dispatch({ id: 'in-process', method, input })
      if (!reply.ok) throw new ApiCallError(reply.error)
      return reply.value as Output<typeof method>
    },
    paths,
    db,
    onEvent(listener) {
      bus.on('event', listener)
      return () => bus.off('event', listener)
    },
    grantImport(path) {
      const real = resolveImportPath(path, [path])
      if (!pickedImports.includes(real)) pickedImports.push(real)
      return real
    },
    async close() {
      studies.close()
      await runs.close()
      bus.removeAllListeners()
      db.close()
      lock?.release()
    },
  }
}
