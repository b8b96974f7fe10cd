import {
  ApiCallError,
  CALL_TIMEOUT_MS,
  events,
  methods,
  type EventName,
  type EventPayload,
  type Input,
  type Method,
  type MethodSpec,
  type Output,
  type Reply,
} from '@contract/index'
import { inject, shallowRef, type App, type InjectionKey, type ShallowRef } from 'vue'
import type { LinkStatus, Transport } from './transport'

export interface ApiClient {
  call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
  status: ShallowRef<LinkStatus>
  transportKind: Transport['kind']
}

interface Pending {
  method: Method
  resolve(value: unknown): void
  reject(error: Error): void
  timer: ReturnType<typeof setTimeout>
}

/**
 * The renderer's only way to the main side. Replies and events are validated against the
 * contract on arrival, calls time out naming the method, and a dropped link fails every
 * pending call at once.
 */
export function createApiClient(transport: Transport): ApiClient {
  const pending = new Map<string, Pending>()
  const listeners = new Map<string, Set<(payload: unknown) => void>>()
  const status = shallowRef<LinkStatus>('connected')
  let nextId = 1

  const fail = (id: string, code: 'timeout' | 'disconnected', message: string) => {
    const call = pending.get(id)
    if (!call) return
    pending.delete(id)
    clearTimeout(call.timer)
    call.reject(new ApiCallError({ code, message, requestId: id }))
  }

  transport.onStatus((next) => {
    status.value = next
    if (next === 'reconnecting') {
      for (const [id, call] of pending) {
        fail(id, 'disconnected', `${call.method}: lost the connection to the workbench`)
      }
    }
  })

  transport.onMessage((message) => {
    if (!message || typeof message !== 'object' || !('kind' in message)) return
    if (message.kind === 'reply' && 'id' in message && 'reply' in message) {
      const call = pending.get(String(message.id))
      if (!call) return
      pending.delete(String(message.id))
      clearTimeout(call.timer)
      const reply = message.reply as Reply<unknown>
      if (!reply.ok) return call.reject(new ApiCallError(reply.error))
      const parsed = methods[call.method].output.safeParse(reply.value)
      if (parsed.success) call.resolve(parsed.data)
      else call.reject(new Error(`${call.method}: reply does not match the contract`))
    } else if (message.kind === 'event' && 'event' in message && 'payload' in message) {
      const name = String(message.event)
      if (!Object.hasOwn(events, name)) return
      const parsed = events[name as EventName].safeParse(message.payload)
      if (!parsed.success) return
      listeners.get(name)?.forEach((listener) => listener(parsed.data))
    }
  })

  return {
    status,
    transportKind: transport.kind,
    call<M extends Method>(method: M, input: Input<M>): Promise<Output<M>> {
      const id = `r${nextId++}`
      return new Promise<Output<M>>((resolve, reject) => {
        const spec: MethodSpec = methods[method]
        const timeoutMs = spec.timeoutMs ?? CALL_TIMEOUT_MS
        const timer = setTimeout(
          () => fail(id, 'timeout', `${method}: no answer within ${timeoutMs / 1000} s`),
          timeoutMs,
        )
        pending.set(id, { method, resolve: resolve as (v: unknown) => void, reject, timer })
        transport.send({ id, method, input })
      })
    },
    on(event, listener) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      const wrapped = listener as (payload: unknown) => void
      set.add(wrapped)
      return () => set.delete(wrapped)
    },
  }
}

const API_KEY: InjectionKey<ApiClient> = Symbol('api')

export function provideApi(app: App, client: ApiClient) {
  app.provide(API_KEY, client)
}

export function useApi(): ApiClient {
  const client = inject(API_KEY)
  if (!client) throw new Error('useApi() called outside the workbench app')
  return client
}
