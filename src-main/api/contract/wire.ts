import { z } from 'zod'
import type { Reply } from './errors'

/**
 * The envelope both transports carry. Only `{ id, method, input }` travels out; replies
 * and events come back. Everything arriving is parsed with these schemas first.
 */
export const RequestEnvelope = z.object({
  id: z.string().min(1).max(64),
  method: z.string().min(1).max(100),
  input: z.unknown(),
})
export type RequestEnvelope = z.infer<typeof RequestEnvelope>

export interface ReplyEnvelope {
  kind: 'reply'
  id: string
  reply: Reply<unknown>
}

export interface EventEnvelope {
  kind: 'event'
  event: string
  payload: unknown
}

export type ServerMessage = ReplyEnvelope | EventEnvelope

/** Requests bigger than this are refused before parsing (bulk data never goes through calls). */
export const MAX_REQUEST_BYTES = 1_000_000

/** A call that gets no reply within this time fails on the client, naming the method. */
export const CALL_TIMEOUT_MS = 60_000
