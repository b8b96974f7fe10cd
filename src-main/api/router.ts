import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import {
  isMethod,
  methods,
  RequestEnvelope,
  WorkbenchError,
  type ApiError,
  type Method,
  type Output,
  type ParsedInput,
  type Reply,
} from './contract'
import { createLogger } from '../util/logger'

export interface CallContext {
  requestId: string
}

export type Handlers = {
  [M in Method]: (input: ParsedInput<M>, ctx: CallContext) => Promise<Output<M>>
}

export interface Router {
  /** Validates an envelope that arrived from any transport and answers it; never throws. */
  dispatch(raw: unknown): Promise<{ id: string | null; reply: Reply<unknown> }>
}

const log = createLogger('api')

export function createRouter(handlers: Handlers): Router {
  async function dispatch(raw: unknown) {
    const requestId = randomUUID()
    const envelope = RequestEnvelope.safeParse(raw)
    if (!envelope.success) {
      return {
        id: idOf(raw),
        reply: failure(
          'invalid_input',
          `malformed request: ${describeIssues(envelope.error)}`,
          requestId,
        ),
      }
    }
    const { id, method, input } = envelope.data
    if (!isMethod(method)) {
      return { id, reply: failure('invalid_input', `unknown method "${method}"`, requestId) }
    }
    const parsed = methods[method].input.safeParse(input ?? {})
    if (!parsed.success) {
      return {
        id,
        reply: failure('invalid_input', `${method}: ${describeIssues(parsed.error)}`, requestId, {
          issues: parsed.error.issues.map((i) => ({
            path: i.path.map(String),
            message: i.message,
          })),
        }),
      }
    }
    try {
      const handler = handlers[method] as (input: unknown, ctx: CallContext) => Promise<unknown>
      const value = methods[method].output.parse(await handler(parsed.data, { requestId }))
      return { id, reply: { ok: true, value } as const }
    } catch (error) {
      if (error instanceof WorkbenchError) {
        return { id, reply: failure(error.code, error.message, requestId, error.details) }
      }
      // The stack stays here, in the log; the client gets the request id to quote.
      log.error(`${method} failed`, {
        requestId,
        error: String(error),
        stack: (error as Error)?.stack,
      })
      return {
        id,
        reply: failure(
          'internal',
          `${method} failed unexpectedly (request ${requestId})`,
          requestId,
        ),
      }
    }
  }
  return { dispatch }
}

function failure(
  code: ApiError['code'],
  message: string,
  requestId: string,
  details?: object,
): Reply<never> {
  return {
    ok: false,
    error: details ? { code, message, details, requestId } : { code, message, requestId },
  }
}

/** Each issue after the field it is about: "train.learningRate: must be more than 0". */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}

function idOf(raw: unknown): string | null {
  if (raw && typeof raw === 'object' && 'id' in raw && typeof raw.id === 'string') return raw.id
  return null
}
