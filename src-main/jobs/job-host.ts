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
}

export interface TrainerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** The trainer's own last word, if it said one (`finished` or `failed`). */
  last: TrainerMessage | null
  /** The last lines the trainer wrote to stderr, for a crash report. */
  stderrTail: string
}

const STDERR_TAIL_BYTES = 4_000

/**
 * Starts a trainer process for one job. The bundled build has `trainer.js` next to this
 * module; from source (tests, the CLI via tsx) the TypeScript entry runs through tsx.
 */
export function startTrainer(
  spec: TrainJobSpec,
  onMessage: (message: TrainerMessage) => void,
): TrainerHandle {
  const child = forkTrainer()
  let last: TrainerMessage | null = null
  let stderrTail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES)
  })
  child.on('message', (raw) => {
    const parsed = TrainerMessage.safeParse(raw)
    if (!parsed.success) return
    if (parsed.data.type === 'finished' || parsed.data.type === 'failed') last = parsed.data
    onMessage(parsed.data)
  })
  const exited = new Promise<TrainerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, last, stderrTail }))
  })
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

function forkTrainer(): ChildProcess {
  const here = dirname(fileURLToPath(import.meta.url))
  const stdio: Array<'ignore' | 'inherit' | 'pipe' | 'ipc'> = ['ignore', 'inherit', 'pipe', 'ipc']
  const source = join(here, 'trainer-entry.ts')
  if (existsSync(source)) return fork(source, [], { stdio, execArgv: ['--import', 'tsx'] })
  // Bundled: this code sits in out/main or a chunk folder below it, next to trainer.js.
  const bundled = [join(here, 'trainer.js'), join(here, '..', 'trainer.js')].find((f) =>
    existsSync(f),
  )
  if (!bundled) throw new Error(`trainer.js not found near ${here}; rebuild with npm run build`)
  return fork(bundled, [], { stdio })
}

/** One sentence on why a trainer ended without finishing, for the run's error field. */
export function describeExit(exit: TrainerExit): string {
  if (exit.last?.type === 'failed') return exit.last.message
  const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`
  const tail = exit.stderrTail.trim().split('\n').slice(-3).join(' | ')
  return `the trainer process ${how}${tail ? `: ${tail}` : ''}`
}
