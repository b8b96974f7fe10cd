import { fork, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  TRAINER_PROTOCOL_VERSION,
  TrainerMessage,
  type HostMessage,
  type TrainJobSpec,
} from './trainer-protocol'

export interface TrainerHandle {
  readonly pid: number | undefined
  stop(): void
  pause(): void
  resume(): void
  /** Kills the process without a checkpoint (tests, a hung trainer). */
  kill(signal?: NodeJS.Signals): void
  /** Settles when the process has exited, with how it ended. */
  readonly exited: Promise<TrainerExit>
  /**
   * Stops following a job that lives on without this process (a Slurm job): the server is
   * closing and re-attaches at its next start. Absent: the trainer ends with this process.
   */
  detach?(): void
}

export interface TrainerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** The trainer's own last word, if it said one (`finished` or `failed`). */
  last: TrainerMessage | null
  /** The last lines the trainer wrote to stderr, for a crash report. */
  stderrTail: string
  /** Iteration of the newest checkpoint the run has (written, or resumed from); 0 = none. */
  lastCheckpoint: number
  /** What the executor adds to a failure: Slurm's state, reason and the job log's tail. */
  note?: string
}

export const STDERR_TAIL_BYTES = 4_000

/** Starts a trainer process for one job, talking to it over the IPC channel fork opens. */
export function startTrainer(
  spec: TrainJobSpec,
  onMessage: (message: TrainerMessage) => void,
): TrainerHandle {
  const child = forkTrainer()
  let last: TrainerMessage | null = null
  let lastCheckpoint = spec.resume ? -1 : 0
  let stderrTail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES)
  })
  child.on('message', (raw) => {
    const parsed = TrainerMessage.safeParse(raw)
    if (!parsed.success) return
    const message = parsed.data
    if (message.type === 'finished' || message.type === 'failed') last = message
    if (message.type === 'checkpoint') lastCheckpoint = message.iteration
    if (message.type === 'started' && lastCheckpoint < 0) lastCheckpoint = message.iteration
    onMessage(parsed.data)
  })
  // 'exit' can come before the last messages are emitted: the exit is only settled once the
  // IPC channel has closed too, so `last` (the trainer's own finished/failed word) is read
  // after every message, and none arrives after whoever awaits `exited` closed the database.
  const disconnected = new Promise<void>((resolve) => {
    if (child.connected) child.once('disconnect', () => resolve())
    else resolve()
  })
  const exitStatus = new Promise<Pick<TrainerExit, 'code' | 'signal'>>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  const exited = Promise.all([exitStatus, disconnected]).then(
    ([{ code, signal }]): TrainerExit => ({
      code,
      signal,
      last,
      stderrTail,
      lastCheckpoint: Math.max(lastCheckpoint, 0),
    }),
  )
  const post = (message: HostMessage) => {
    if (child.connected) child.send(message)
  }
  post({ type: 'start', version: TRAINER_PROTOCOL_VERSION, spec })
  return {
    pid: child.pid,
    stop: () => post({ type: 'stop' }),
    pause: () => post({ type: 'pause' }),
    resume: () => post({ type: 'resume' }),
    kill: (signal = 'SIGKILL') => void child.kill(signal),
    exited,
  }
}

/** A trainer process (`args` for its mode), stderr piped so a crash can be reported. */
export function forkTrainer(args: string[] = []): ChildProcess {
  const stdio: Array<'ignore' | 'inherit' | 'pipe' | 'ipc'> = ['ignore', 'inherit', 'pipe', 'ipc']
  const { entry, execArgv } = trainerEntry()
  return fork(entry, args, { stdio, execArgv })
}

/**
 * The trainer's entry and the Node flags it needs. The bundled build has `trainer.js` next
 * to this module; from source (tests, the CLI via tsx) the TypeScript entry runs through tsx.
 */
export function trainerEntry(): { entry: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url))
  const source = join(here, 'trainer-entry.ts')
  if (existsSync(source)) return { entry: source, execArgv: ['--import', 'tsx'] }
  // Bundled: this code sits in out/main or a chunk folder below it, next to trainer.js.
  const bundled = [join(here, 'trainer.js'), join(here, '..', 'trainer.js')].find((f) =>
    existsSync(f),
  )
  if (!bundled) throw new Error(`trainer.js not found near ${here}; rebuild with npm run build`)
  return { entry: bundled, execArgv: [] }
}

/** Signals by which a process crashes on its own, rather than being told to end. */
const CRASH_SIGNALS = new Set(['SIGSEGV', 'SIGBUS', 'SIGILL', 'SIGFPE', 'SIGABRT'])

/**
 * Why a trainer ended without finishing, and what is left to resume from, for the run's
 * error field: `the trainer process was killed (SIGKILL) …; the last checkpoint (iteration
 * 6) is kept: resume continues from it`.
 */
export function describeExit(exit: TrainerExit): string {
  if (exit.last?.type === 'failed') {
    return exit.note ? `${exit.last.message}. ${exit.note}` : exit.last.message
  }
  const tail = exit.stderrTail.trim().split('\n').slice(-3).join(' | ')
  const outOfMemory = /out of memory|allocation failed|ENOMEM/i.test(exit.stderrTail)
  let how: string
  if (outOfMemory) how = 'ran out of memory'
  else if (exit.signal === 'SIGKILL') {
    how = 'was killed (SIGKILL), by a user or by the system when memory ran low'
  } else if (exit.signal && CRASH_SIGNALS.has(exit.signal)) how = `crashed (${exit.signal})`
  else if (exit.signal) how = `was stopped by ${exit.signal}`
  else how = `exited with code ${exit.code} without finishing`
  const kept =
    exit.lastCheckpoint > 0
      ? `the last checkpoint (iteration ${exit.lastCheckpoint}) is kept: resume continues from it`
      : 'it had written no checkpoint yet: resume starts over'
  // A signal from outside says nothing in stderr; a crash or a failed start usually does.
  const external = exit.signal === 'SIGKILL' || exit.signal === 'SIGTERM'
  const said = tail && !external ? ` (${tail})` : ''
  return `the trainer process ${how}${said}; ${kept}${exit.note ? `. ${exit.note}` : ''}`
}
