import type { BackendAttempt } from '../domain/backends'
import { forkTrainer, STDERR_TAIL_BYTES } from './job-host'
import { PROBE_FLAG, ProbeReply } from './trainer-protocol'

/** Loading libtensorflow can take a while; a probe that hangs longer than this is killed. */
const PROBE_TIMEOUT_MS = 120_000

/**
 * Which backends load, asked of a trainer process in probe mode: TensorFlow.js and the
 * backends it loads stay out of the workbench's process, and a backend that crashes on
 * load ends the probe, not the app.
 */
export function probeBackendsInTrainer(): Promise<BackendAttempt[]> {
  const child = forkTrainer([PROBE_FLAG])
  let stderrTail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES)
  })
  return new Promise((resolve, reject) => {
    let attempts: BackendAttempt[] | null = null
    child.on('message', (raw) => {
      const parsed = ProbeReply.safeParse(raw)
      if (parsed.success) attempts = parsed.data.attempts
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (attempts) return resolve(attempts)
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`
      const tail = stderrTail.trim().split('\n').slice(-3).join(' | ')
      reject(
        new Error(`the backend probe process ${how} before reporting${tail ? ` (${tail})` : ''}`),
      )
    })
  })
}
