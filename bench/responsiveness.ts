import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import WebSocket from 'ws'
import { RunConfig, type ServerMessage } from '../src-main/api/contract'

/**
 * API round-trip latency while a job trains (issue 6: p99 < 100 ms). Starts `tmu serve` on a
 * temp workspace, connects over WebSocket as the browser does (Origin + token), starts a
 * small but busy training run, waits for its first progress event, then times
 * `experiments.list` calls back to back (one every 20 ms) for `seconds`.
 */
export interface ResponsivenessOptions {
  readonly seconds?: number
  readonly log?: (line: string) => void
}

export interface ResponsivenessResult {
  readonly calls: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  readonly trainedIterations: number
  readonly backend: string | null
}

const GAP_MS = 20

export async function runResponsivenessBench(
  options: ResponsivenessOptions = {},
): Promise<ResponsivenessResult> {
  const seconds = options.seconds ?? 20
  const log = options.log ?? console.log
  const server = startServe()
  try {
    const url = new URL(await server.url)
    const api = await connect(url)
    try {
      const dataset = await api.call('datasets.generate', {
        name: 'bench digits',
        canvasSize: 32,
        digitSize: 16,
        clipLength: 10,
        digitsPerClip: 2,
        trainClips: 64,
        valClips: 8,
        testClips: 8,
      })
      const experiment = await api.call('experiments.create', { name: 'responsiveness' })
      const run = await api.call('runs.create', {
        experimentId: (experiment as { id: number }).id,
        name: 'busy',
        kind: 'scratch',
        datasetId: (dataset as { id: number }).id,
        config: RunConfig.parse({
          model: { hidden: [16, 16], kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 },
          train: {
            inputFrames: 5,
            outputFrames: 5,
            batchSize: 4,
            iterations: 1_000_000,
            evalEvery: 25,
            checkpointEvery: 25,
          },
          validationClips: 8,
        }),
      })
      const runId = (run as { id: number }).id
      let iteration = 0
      api.onEvent((event, payload) => {
        const p = payload as { runId?: number; iteration?: number }
        if (event === 'runs.progress' && p.runId === runId) iteration = p.iteration ?? iteration
      })
      await api.untilEvent('runs.progress')
      log(`training (run ${runId}); timing experiments.list for ${seconds} s`)

      const latencies: number[] = []
      const until = Date.now() + seconds * 1000
      while (Date.now() < until) {
        const started = performance.now()
        await api.call('experiments.list', {})
        latencies.push(performance.now() - started)
        await new Promise((resolve) => setTimeout(resolve, GAP_MS))
      }
      const finished = (await api.call('runs.get', { id: runId })) as { backend: string | null }
      await api.call('runs.control', { id: runId, action: 'cancel' })

      latencies.sort((a, b) => a - b)
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!
      const result = {
        calls: latencies.length,
        p50Ms: round(at(0.5)),
        p99Ms: round(at(0.99)),
        maxMs: round(latencies.at(-1)!),
        trainedIterations: iteration,
        backend: finished.backend,
      }
      log(
        `${result.calls} calls while training on ${result.backend} (reached iteration ${iteration}): ` +
          `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, max ${result.maxMs} ms (goal: p99 < 100 ms)`,
      )
      return result
    } finally {
      api.close()
    }
  } finally {
    await server.stop()
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100

/** `node bin/tmu.js serve` on a temp workspace; resolves its URL from the `Open:` line. */
function startServe(): { url: Promise<string>; stop: () => Promise<void> } {
  const bin = fileURLToPath(new URL('../bin/tmu.js', import.meta.url))
  const workspace = mkdtempSync(join(tmpdir(), 'tmu-bench-responsive-'))
  const child: ChildProcess = spawn(
    process.execPath,
    [bin, 'serve', '--workspace', workspace, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const url = new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const match = /Open: (\S+)/.exec(out)
      if (match) resolve(match[1]!)
    })
    child.once('exit', (code) => reject(new Error(`tmu serve exited (${code}) before serving`)))
  })
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM') // serve stops its trainers (each checkpoints) and exits
      }),
  }
}

interface BenchClient {
  call(method: string, input: unknown): Promise<unknown>
  onEvent(listener: (event: string, payload: unknown) => void): void
  untilEvent(event: string): Promise<void>
  close(): void
}

/** A minimal client of the WebSocket transport: what the browser's client does, untyped. */
async function connect(url: URL): Promise<BenchClient> {
  const socket = new WebSocket(
    `ws://${url.host}/api?token=${url.searchParams.get('token') ?? ''}`,
    { headers: { Origin: url.origin } },
  )
  await new Promise((resolve, reject) => {
    socket.once('open', resolve)
    socket.once('error', reject)
  })
  const pending = new Map<string, (message: ServerMessage) => void>()
  const listeners: Array<(event: string, payload: unknown) => void> = []
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as ServerMessage
    if (message.kind === 'reply') pending.get(message.id)?.(message)
    else listeners.forEach((l) => l(message.event, message.payload))
  })
  let next = 0
  return {
    call(method, input) {
      const id = String(++next)
      return new Promise((resolve, reject) => {
        pending.set(id, (message) => {
          pending.delete(id)
          if (message.kind !== 'reply') return
          if (message.reply.ok) resolve(message.reply.value)
          else reject(new Error(`${method}: ${message.reply.error.message}`))
        })
        socket.send(JSON.stringify({ id, method, input }))
      })
    },
    onEvent: (listener) => void listeners.push(listener),
    untilEvent: (event) =>
      new Promise((resolve) => listeners.push((name) => name === event && resolve())),
    close: () => socket.close(),
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runResponsivenessBench()
