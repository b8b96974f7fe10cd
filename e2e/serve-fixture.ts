import { test as base } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

const TMU = join(import.meta.dirname, '..', 'bin', 'tmu.js')

export interface ServeHandle {
  url: string
  workspace: string
  /** Stops the server (SIGTERM) and starts a new one on the same workspace. */
  restart(): Promise<string>
  stop(): Promise<void>
}

/** Starts `tmu serve` on a workspace and resolves with the tokenised URL it prints. */
export function startServe(workspace: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [TMU, 'serve', '--workspace', workspace, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tmu serve exited with ${code}: ${stderr}`)))
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^Open: (\S+)/.exec(line)
      if (match) resolve({ child, url: match[1]! })
    })
  })
}

async function stopChild(child: ChildProcess) {
  // A child ended by a signal has no exit code, only a signal code; waiting for its 'exit'
  // again would wait forever.
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

export const test = base.extend<{ serve: ServeHandle }>({
  // Playwright reads a fixture's dependencies from this destructuring; it has none.
  // eslint-disable-next-line no-empty-pattern
  serve: async ({}, use) => {
    const workspace = mkdtempSync(join(tmpdir(), 'tmu-e2e-'))
    let current = await startServe(workspace)
    const handle: ServeHandle = {
      url: current.url,
      workspace,
      async restart() {
        await stopChild(current.child)
        current = await startServe(workspace)
        handle.url = current.url
        return current.url
      },
      stop: () => stopChild(current.child),
    }
    await use(handle)
    await handle.stop()
  },
})

export { expect } from '@playwright/test'
