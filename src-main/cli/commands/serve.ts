import type { Command } from 'commander'
import { resolve } from 'node:path'
import { createWorkbench, defaultWorkspaceRoot } from '../../api/create-workbench'
import { startServer } from '../../server/serve'
import { addExecutorOptions, saveExecutorOptions, type ExecutorOptions } from '../executor-options'
import { findRendererDir } from '../paths'
import { out } from '../output'

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

export function registerServe(program: Command) {
  const serve = program
    .command('serve')
    .description('serve the workbench to a browser (127.0.0.1 unless --host is given)')
    .option('-w, --workspace <dir>', 'workspace folder', defaultWorkspaceRoot())
    .option(
      '--host <host>',
      'address to listen on; anything but loopback exposes the workbench',
      '127.0.0.1',
    )
    .option('-p, --port <port>', 'port (0 picks a free one)', parsePort, 8780)
    .option('--token <token>', 'use this token instead of a random one (scripts, tests)')
    .option(
      '--concurrency <n>',
      'trainer processes at once (1 on a GPU; on CPU up to the cores to spare)',
      parseConcurrency,
      1,
    )
    .option(
      '--import-root <dir>',
      'a folder dataset imports may read (repeatable; default: your home folder)',
      (dir: string, roots: string[]) => [...roots, resolve(dir)],
      [] as string[],
    )
  addExecutorOptions(serve).action(async (opts: ServeOptions) => {
    const rendererDir = findRendererDir()
    if (!rendererDir) {
      out.error('the renderer is not built; run `npm run build` first (or use `npm run serve`)')
      process.exitCode = 1
      return
    }
    await saveExecutorOptions(opts.workspace, opts)
    const workbench = createWorkbench({
      workspace: opts.workspace,
      transport: 'websocket',
      concurrency: opts.concurrency,
      ...(opts.importRoot.length ? { importRoots: opts.importRoot } : {}),
    })
    const server = await startServer({
      workbench,
      rendererDir,
      host: opts.host,
      port: opts.port,
      ...(opts.token ? { token: opts.token } : {}),
    }).catch(async (error: NodeJS.ErrnoException) => {
      await workbench.close()
      if (error.code !== 'EADDRINUSE') throw error
      // Another workbench (or anything else) holds the port: say how to get another one.
      throw new Error(
        `port ${opts.port} on ${opts.host} is in use (another tmu serve?); pass --port 0 for a free one`,
      )
    })
    out.line(`TMU Workbench serving workspace ${workbench.paths.root}`)
    if (!LOOPBACK.has(opts.host)) {
      out.line(
        `warning: listening on ${opts.host}: anyone who can reach it and has the token gets in`,
      )
    }
    const stop = async () => {
      await server.close()
      await workbench.close()
      process.exit(0)
    }
    // Before the URL is printed: whoever reads it may stop the server at once, and a
    // signal without a handler would end it before the database is closed.
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    out.line(`Open: ${server.url}`)
  })
}

interface ServeOptions extends ExecutorOptions {
  workspace: string
  host: string
  port: number
  token?: string
  concurrency: number
  importRoot: string[]
}

function parseConcurrency(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--concurrency: "${value}" is not a count ≥ 1`)
  return n
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: "${value}" is not a port number`)
  }
  return port
}
