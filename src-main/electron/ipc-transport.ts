import { ipcMain, type WebContents } from 'electron'
import { MAX_REQUEST_BYTES, type ServerMessage } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { IPC_CHANNEL } from '../api/contract/ipc-channel'

/**
 * Serves the router to one window over IPC. The preload forwards `{ id, method, input }`
 * envelopes untouched; validation happens here, in the router, exactly as for WebSockets.
 */
export function attachIpc(contents: WebContents, workbench: Workbench) {
  const send = (message: ServerMessage) => {
    if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, message)
  }
  const onRequest = async (event: Electron.IpcMainEvent, raw: unknown) => {
    if (event.sender !== contents) return
    if (JSON.stringify(raw ?? null).length > MAX_REQUEST_BYTES) {
      return send({
        kind: 'reply',
        id: typeof raw === 'object' && raw && 'id' in raw ? String(raw.id) : '',
        reply: {
          ok: false,
          error: {
            code: 'invalid_input',
            message: 'request exceeds the size limit',
            requestId: 'transport',
          },
        },
      })
    }
    const { id, reply } = await workbench.router.dispatch(raw)
    send({ kind: 'reply', id: id ?? '', reply })
  }
  ipcMain.on(IPC_CHANNEL, onRequest)
  const unsubscribe = workbench.onEvent((event, payload) => send({ kind: 'event', event, payload }))
  contents.once('destroyed', () => {
    ipcMain.off(IPC_CHANNEL, onRequest)
    unsubscribe()
  })
}
