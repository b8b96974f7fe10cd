import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import sirv from 'sirv'
import { WebSocketServer } from 'ws'
import type { Workbench } from '../api/create-workbench'
import { MAX_REQUEST_BYTES } from '../api/contract'
import { cookieName, createToken, isSameOrigin, tokenFromRequest, tokensMatch } from './auth'
import { attachWebSocket } from './ws-transport'
import { CONTENT_SECURITY_POLICY } from '../api/content-security-policy'

export interface ServeOptions {
  workbench: Workbench
  /** Folder of the built renderer (index.html and assets). */
  rendererDir: string
  host?: string
  port?: number
  /** Fixed token for scripted use; a random one otherwise. */
  token?: string
}

export interface RunningServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const API_PATH = '/api'

/** Serves the workbench to a browser: static renderer + WebSocket API, token-protected. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1'
  const token = options.token ?? createToken()
  const assets = sirv(options.rendererDir, { etag: true, single: true, dev: false })
  let port = 0

  const server = createServer((req, res) => {
    if (!tokensMatch(token, tokenFromRequest(req, port))) return refuse(res)
    setSecurityHeaders(res)
    // Hand the token back as a cookie so assets and the WebSocket need no query string.
    res.setHeader(
      'Set-Cookie',
      `${cookieName(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`,
    )
    assets(req, res, () => {
      res.statusCode = 404
      res.end('not found')
    })
  })

  // Frames above the protocol limit still arrive (up to 16×) so the client gets a typed
  // "too large" reply instead of a dropped connection.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * MAX_REQUEST_BYTES })
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (
      path !== API_PATH ||
      !isSameOrigin(req) ||
      !tokensMatch(token, tokenFromRequest(req, port))
    ) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => attachWebSocket(ws, options.workbench))
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const urlHost = host.includes(':') ? `[${host}]` : host

  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function refuse(res: ServerResponse) {
  res.statusCode = 403
  res.setHeader('Content-Type', 'text/plain; charset=utf-8')
  res.end('TMU Workbench: this server needs its token. Open the URL that `tmu serve` printed.\n')
}

function setSecurityHeaders(res: ServerResponse) {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'no-referrer')
}
