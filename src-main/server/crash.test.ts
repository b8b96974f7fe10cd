import Database from 'better-sqlite3'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'

const TMU = join(import.meta.dirname, '..', '..', 'bin', 'tmu.js')

function startServe(workspace: string): Promise<{ child: ChildProcess; url: URL }> {
  const child = spawn(process.execPath, [TMU, 'serve', '--workspace', workspace, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tmu serve exited with ${code}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^Open: (\S+)/.exec(line)
      if (match) resolve({ child, url: new URL(match[1]!) })
    })
  })
}

/**
 * Writes experiments as fast as the server acknowledges them, kills the server with SIGKILL
 * mid-stream, and returns the names whose creation the server had confirmed.
 */
async function writeUntilKilled(workspace: string, killAfterMs: number): Promise<string[]> {
  const { child, url } = await startServe(workspace)
  const ws = new WebSocket(`ws://${url.host}/api?token=${url.searchParams.get('token')}`, {
    headers: { Origin: `http://${url.host}` },
  })
  await new Promise((resolve) => ws.once('open', resolve))
  const confirmed: string[] = []
  let next = 0
  const send = () => {
    const name = `exp-${next++}`
    ws.send(
      JSON.stringify({ id: name, method: 'experiments.create', input: { name, tags: ['crash'] } }),
    )
  }
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString())
    if (message.kind === 'reply' && message.reply.ok) {
      confirmed.push(message.id)
      send()
    }
  })
  // Several writes in flight at once, so the kill lands inside a transaction.
  for (let i = 0; i < 8; i++) send()
  await new Promise((resolve) => setTimeout(resolve, killAfterMs))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
  ws.terminate()
  return confirmed
}

describe('a server killed during writes', () => {
  it('leaves a sound database that kept every confirmed experiment', async () => {
    for (const killAfterMs of [300, 700, 1100]) {
      const workspace = mkdtempSync(join(tmpdir(), 'tmu-crash-'))
      const confirmed = await writeUntilKilled(workspace, killAfterMs)
      expect(confirmed.length).toBeGreaterThan(5)

      const db = new Database(join(workspace, 'workbench.sqlite'))
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
      const stored = new Set(
        db
          .prepare<[], { name: string }>('SELECT name FROM experiments')
          .all()
          .map((r) => r.name),
      )
      db.close()
      expect(confirmed.filter((name) => !stored.has(name))).toEqual([])
    }
  })
})
