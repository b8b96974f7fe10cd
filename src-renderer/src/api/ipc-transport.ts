import type { DesktopBridge } from '@contract/ipc-channel'
import type { Transport } from './transport'

declare global {
  interface Window {
    tmuBridge?: DesktopBridge
  }
}

/** The desktop link: the preload's bridge, always connected while the window lives. */
export function createIpcTransport(bridge: DesktopBridge): Transport {
  return {
    kind: 'ipc',
    send: (envelope) => bridge.send(envelope),
    onMessage: (listener) => void bridge.onMessage(listener),
    onStatus: (listener) => listener('connected'),
  }
}
