import { EventEmitter } from 'node:events'
import {
  ApiCallError,
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
import { ensureWorkspace, type WorkspacePaths } from '../store/workspace'
import { createExperimentsService } from '../services/experiments-service'
import { createSystemService, type BackendProbe } from '../services/system-service'
import type { Emit } from '../services/events'
import { configureLogging } from '../util/logger'

const UNDO_WINDOW_MS = 24 * 60 * 60 * 1000

export interface WorkbenchOptions {
  workspace: string
  transport: SystemInfo['transport']
  probeBackends: () => Promise<BackendProbe[]>
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
  close(): void
}

/** The composition root: one workspace, its database, the services and the router over them. */
export function createWorkbench(options: WorkbenchOptions): Workbench {
  const paths = ensureWorkspace(options.workspace)
  configureLogging(paths.logs)
  const db = openDatabase(paths.database)
  const bus = new EventEmitter()
  const emit: Emit = (event, payload) => bus.emit('event', event, payload)

  const experimentsRepo = createExperimentsRepo(db)
  // Deleted experiments stay restorable for a day (the UI offers undo), then go for good.
  experimentsRepo.purgeDeleted(new Date(Date.now() - UNDO_WINDOW_MS).toISOString())
  const experiments = createExperimentsService(experimentsRepo, emit)
  const runs = createRunsRepo(db)
  const system = createSystemService({
    db,
    paths,
    transport: options.transport,
    probeBackends: options.probeBackends,
  })

  const handlers: Handlers = {
    'system.info': async () => system.info(),
    'system.doctor': () => system.doctor(),
    'experiments.list': async (input) => experiments.list(input),
    'experiments.get': async ({ id }) => experiments.get(id),
    'experiments.create': async (input) => experiments.create(input),
    'experiments.update': async (input) => experiments.update(input),
    'experiments.delete': async ({ id }) => experiments.delete(id),
    'experiments.restore': async ({ id }) => experiments.restore(id),
    'runs.list': async ({ experimentId }) => runs.list(experimentId),
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
    close() {
      bus.removeAllListeners()
      db.close()
    },
  }
}
