import { contextBridge, ipcRenderer } from 'electron'
import { IPC_CHANNEL } from '../api/contract/ipc-channel'

/**
 * The only thing the sandboxed renderer gets: send an envelope, receive server messages.
 * No Node, no `ipcRenderer` itself; validation happens on the main side.
 */
const bridge = {
  send(envelope: unknown) {
    ipcRenderer.send(IPC_CHANNEL, envelope)
  },
  onMessage(listener: (message: unknown) => void): () => void {
    const wrapped = (_event: unknown, message: unknown) => listener(message)
    ipcRenderer.on(IPC_CHANNEL, wrapped)
    return () => ipcRenderer.off(IPC_CHANNEL, wrapped)
  },
}

contextBridge.exposeInMainWorld('tmuBridge', bridge)
