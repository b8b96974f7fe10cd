import type { RequestEnvelope } from '@contract/wire'

/** What the API client needs from a link to the main side; IPC and WebSocket both provide it. */
export interface Transport {
  readonly kind: 'ipc' | 'websocket'
  send(envelope: RequestEnvelope): void
  onMessage(listener: (message: unknown) => void): void
  /** Called when the link drops (pending calls fail) and when it is back. */
  onStatus(listener: (status: LinkStatus) => void): void
}

export type LinkStatus = 'connected' | 'reconnecting'
