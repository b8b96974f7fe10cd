import type { Transport } from './transport'

interface Bridge {
  send(envelope: unknown): void
  onMessage(listener: (message: unknown) => void): () => void
}

declare global {
  interface Window {
    tmuBridge?: Bridge
  }
}

/** The desktop link: the preload's bridge, always connected while the window lives. */
export function createIpcTransport(bridge: Bridge): Transport {
  return {
    kind: 'ipc',
    send: (envelope) => bridge.send(envelope),
    onMessage: (listener) => void bridge.onMessage(listener),
    onStatus: (listener) => listener('connected'),
  }
}
