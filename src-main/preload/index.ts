import { contextBridge, ipcRenderer } from 'electron'
import { IPC_CHANNEL, PICK_PATH_CHANNEL, type DesktopBridge } from '../api/contract/ipc-channel'

/**
 * The only things the sandboxed renderer gets: send an envelope, receive server messages, and
 * ask for the native open dialog. No Node, no `ipcRenderer` itself; validation happens on the
 * main side.
 */
const bridge: DesktopBridge = {
  send(envelope) {
    ipcRenderer.send(IPC_CHANNEL, envelope)
  },
  onMessage(listener) {
    const wrapped = (_event: unknown, message: unknown) => listener(message)
    ipcRenderer.on(IPC_CHANNEL, wrapped)
    return () => ipcRenderer.off(IPC_CHANNEL, wrapped)
  },
  async pickPath(kind) {
    const path: unknown = await ipcRenderer.invoke(PICK_PATH_CHANNEL, kind)
    return typeof path === 'string' ? path : null
  },
}

contextBridge.exposeInMainWorld('tmuBridge', bridge)
