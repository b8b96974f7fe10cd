/**
 * Errors as data: Electron's `invoke` keeps only a thrown error's message, and a WebSocket
 * carries JSON, so every reply states success or a typed error explicitly.
 */
export type ErrorCode =
  | 'invalid_input'
  | 'not_found'
  | 'conflict'
  | 'backend_unavailable'
  | 'timeout'
  | 'disconnected'
  | 'internal'

export interface ApiError {
  code: ErrorCode
  message: string
  details?: object
  requestId: string
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ApiError }

/** Thrown by services; the router turns it into an `ApiError` with the same code and message. */
export class WorkbenchError extends Error {
  override readonly name = 'WorkbenchError'
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: object,
  ) {
    super(message)
  }
}

/** What a client throws when a call fails, so callers can branch on `code`. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError'
  readonly code: ErrorCode
  readonly requestId: string
  readonly details?: object
  constructor(error: ApiError) {
    super(error.message)
    this.code = error.code
    this.requestId = error.requestId
    this.details = error.details
  }
}
