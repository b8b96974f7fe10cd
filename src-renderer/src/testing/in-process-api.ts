import type { Reply } from '@contract/index'
import { afterEach, beforeEach } from 'vitest'
import { createPinia, setActivePinia, type Pinia } from 'pinia'
import { createApp } from 'vue'
import { createApiClient, provideApi, type ApiClient } from '../api/client'
import type { Transport } from '../api/transport'

/** What a workbench opened in this process offers (src-main's `Workbench` has both). */
export interface InProcessWorkbench {
  router: { dispatch(raw: unknown): Promise<{ id: string | null; reply: Reply<unknown> }> }
  onEvent(listener: (event: string, payload: unknown) => void): () => void
}

/** A JSON round trip, as IPC and WebSocket do: no shared objects, no `undefined`, no Dates. */
const overTheWire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/**
 * The renderer's link to a workbench in the same process, for store tests: envelopes go to
 * the real router and every event comes back, each through a JSON round trip and
 * asynchronously, as over IPC.
 */
export function createInProcessTransport(workbench: InProcessWorkbench): Transport & {
  close(): void
} {
  const listeners = new Set<(message: unknown) => void>()
  const deliver = (message: unknown) =>
    setTimeout(() => listeners.forEach((listener) => listener(overTheWire(message))))
  const stop = workbench.onEvent((event, payload) => deliver({ kind: 'event', event, payload }))
  return {
    kind: 'ipc',
    send(envelope) {
      void workbench.router
        .dispatch(overTheWire(envelope))
        .then(({ id, reply }) => deliver({ kind: 'reply', id, reply }))
    },
    onMessage: (listener) => void listeners.add(listener),
    onStatus: (listener) => listener('connected'),
    close: stop,
  }
}

/**
 * A Pinia whose stores talk to `workbench` through the real API client, made active: what
 * `main.ts` sets up, minus the window. Call `close` before closing the workbench.
 */
export function activateStores(workbench: InProcessWorkbench): {
  api: ApiClient
  pinia: Pinia
  close(): void
} {
  const transport = createInProcessTransport(workbench)
  const api = createApiClient(transport)
  const app = createApp({})
  provideApi(app, api)
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
  return { api, pinia, close: () => transport.close() }
}

/** A workbench a store test opens: `openTestWorkbench` in src-main/testing. */
export interface TestWorkbench extends InProcessWorkbench {
  close(): Promise<void>
}

/**
 * Store tests' setup: before each test, a fresh workbench from `open` with active stores over
 * it; after each, both closed. Read `wb` and `api` inside a test: each test gets new ones.
 */
export function setUpStoreTests<W extends TestWorkbench>(open: () => W): { wb: W; api: ApiClient } {
  const current = {} as { wb: W; api: ApiClient }
  let stores: ReturnType<typeof activateStores> | undefined
  beforeEach(() => {
    current.wb = open()
    stores = activateStores(current.wb)
    current.api = stores.api
  })
  afterEach(async () => {
    stores?.close()
    await current.wb.close()
  })
  return current
}
