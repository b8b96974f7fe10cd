import type { RequestEnvelope } from '@contract/wire'
import type { LinkStatus, Transport } from './transport'

const MAX_BACKOFF_MS = 5_000

/**
 * Serve mode's link: a WebSocket to `/api` on the page's own origin (the server's cookie
 * authorises it). When the server goes away it reconnects with backoff; requests sent while
 * down fail at once so the caller can say so instead of hanging.
 */
export function createWebSocketTransport(url: string): Transport {
  const messageListeners: Array<(message: unknown) => void> = []
  const statusListeners: Array<(status: LinkStatus) => void> = []
  let socket: WebSocket
  let open = false
  let backoff = 250
  const queue: string[] = []

  const setStatus = (status: LinkStatus) => statusListeners.forEach((l) => l(status))

  function connect() {
    socket = new WebSocket(url)
    socket.onopen = () => {
      open = true
      backoff = 250
      for (const text of queue.splice(0)) socket.send(text)
      setStatus('connected')
    }
    socket.onmessage = (event) => {
      let message: unknown
      try {
        message = JSON.parse(String(event.data))
      } catch {
        return // A frame that is not JSON is not ours to act on.
      }
      messageListeners.forEach((l) => l(message))
    }
    socket.onclose = () => {
      const wasOpen = open
      open = false
      if (wasOpen) setStatus('reconnecting')
      setTimeout(connect, backoff)
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)
    }
  }
  connect()

  return {
    kind: 'websocket',
    send(envelope: RequestEnvelope) {
      const text = JSON.stringify(envelope)
      // Before the first connection, hold requests; after a drop, the client has already
      // failed the pending calls and new ones wait for the reconnect.
      if (open) socket.send(text)
      else queue.push(text)
    },
    onMessage: (listener) => void messageListeners.push(listener),
    onStatus: (listener) => void statusListeners.push(listener),
  }
}

export function apiSocketUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${scheme}//${location.host}/api`
}
