import type { WebSocket } from 'ws'
import { MAX_REQUEST_BYTES, type Reply, type ServerMessage } from '../api/contract'
import type { Workbench } from '../api/create-workbench'

/**
 * Serves the router over one WebSocket: each text frame is a request envelope, each answer a
 * reply envelope; events are pushed to every socket. A bad frame gets a typed error and the
 * socket stays open.
 */
export function attachWebSocket(socket: WebSocket, workbench: Workbench) {
  const send = (message: ServerMessage) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
  }
  const unsubscribe = workbench.onEvent((event, payload) => send({ kind: 'event', event, payload }))
  socket.on('close', unsubscribe)

  socket.on('message', async (data, isBinary) => {
    const text = isBinary ? null : data.toString()
    if (text === null) {
      return send(errorReply(null, 'binary frames are not part of the protocol'))
    }
    if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) {
      return send(
        errorReply(
          null,
          `request of ${Buffer.byteLength(text)} bytes exceeds the ${MAX_REQUEST_BYTES}-byte limit`,
        ),
      )
    }
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch {
      return send(errorReply(null, 'request is not valid JSON'))
    }
    const { id, reply } = await workbench.router.dispatch(raw)
    send({ kind: 'reply', id: id ?? '', reply })
  })
}

function errorReply(id: string | null, message: string): ServerMessage {
  const reply: Reply<never> = {
    ok: false,
    error: { code: 'invalid_input', message, requestId: 'transport' },
  }
  return { kind: 'reply', id: id ?? '', reply }
}
