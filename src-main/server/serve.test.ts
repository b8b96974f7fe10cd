import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { MAX_REQUEST_BYTES, type ServerMessage } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { startServer, type RunningServer } from './serve'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serve(): Promise<{ server: RunningServer; workbench: Workbench; origin: string }> {
  const rendererDir = mkdtempSync(join(tmpdir(), 'tmu-renderer-'))
  mkdirSync(join(rendererDir, 'assets'))
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>TMU</title>')
  const workbench = createWorkbench({
    workspace: mkdtempSync(join(tmpdir(), 'tmu-serve-')),
    transport: 'websocket',
    builtinDataset: false,
    probeBackends: async () => [],
  })
  const server = await startServer({ workbench, rendererDir, port: 0 })
  cleanups.push(
    () => workbench.close(),
    () => server.close(),
  )
  return { server, workbench, origin: `http://127.0.0.1:${server.port}` }
}

function connect(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => resolve(ws))
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
    ws.once('error', reject)
  })
}

/** Collects every message as it arrives: frames read in one chunk are emitted back to back. */
function inbox(ws: WebSocket): () => Promise<ServerMessage> {
  const queue: ServerMessage[] = []
  const waiting: Array<(m: ServerMessage) => void> = []
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage
    const waiter = waiting.shift()
    if (waiter) waiter(message)
    else queue.push(message)
  })
  return () => {
    const queued = queue.shift()
    return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve))
  }
}

describe('serve mode', () => {
  it('refuses pages without the token and serves them with it', async () => {
    const { server, origin } = await serve()
    expect((await fetch(`${origin}/`)).status).toBe(403)
    expect((await fetch(`${origin}/?token=wrong`)).status).toBe(403)
    const ok = await fetch(server.url)
    expect(ok.status).toBe(200)
    expect(ok.headers.get('content-security-policy')).toContain("script-src 'self'")
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!
    expect((await fetch(`${origin}/index.html`, { headers: { cookie } })).status).toBe(200)
  })

  it('refuses a WebSocket without the token or from a foreign Origin', async () => {
    const { server, origin } = await serve()
    const ws = `ws://127.0.0.1:${server.port}/api`
    await expect(connect(ws, { Origin: origin })).rejects.toThrow('HTTP 403')
    await expect(
      connect(`${ws}?token=${server.token}`, { Origin: 'http://evil.example' }),
    ).rejects.toThrow('HTTP 403')
    await expect(connect(`${ws}?token=${server.token}`, {})).rejects.toThrow('HTTP 403')
    const good = await connect(`${ws}?token=${server.token}`, { Origin: origin })
    good.close()
  })

  it('answers bad frames with typed errors and keeps serving the socket', async () => {
    const { server, origin } = await serve()
    const ws = await connect(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      Origin: origin,
    })
    cleanups.push(() => ws.close())
    const nextReply = inbox(ws)

    ws.send('{not json')
    expect(await nextReply()).toMatchObject({
      kind: 'reply',
      reply: { ok: false, error: { code: 'invalid_input', message: 'request is not valid JSON' } },
    })

    ws.send(
      JSON.stringify({
        id: 'x',
        method: 'experiments.create',
        input: { name: 'x'.repeat(MAX_REQUEST_BYTES) },
      }),
    )
    const big = await nextReply()
    expect(big).toMatchObject({
      kind: 'reply',
      reply: { ok: false, error: { code: 'invalid_input' } },
    })
    expect(JSON.stringify(big)).toMatch(/exceeds the 1000000-byte limit/)

    ws.send(JSON.stringify({ id: 'y', method: 'experiments.create', input: { name: ['wrong'] } }))
    expect(await nextReply()).toMatchObject({
      id: 'y',
      reply: { ok: false, error: { code: 'invalid_input' } },
    })

    ws.send(
      JSON.stringify({ id: 'z', method: 'experiments.create', input: { name: 'still here' } }),
    )
    // The create also broadcasts an event; skip it and look for the reply.
    const messages = [await nextReply(), await nextReply()]
    expect(messages).toContainEqual(
      expect.objectContaining({
        kind: 'reply',
        id: 'z',
        reply: expect.objectContaining({ ok: true }),
      }),
    )
    expect(messages).toContainEqual(
      expect.objectContaining({ kind: 'event', event: 'experiments.changed' }),
    )
  })
})
