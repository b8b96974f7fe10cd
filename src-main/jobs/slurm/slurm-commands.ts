import { execFile, execFileSync } from 'node:child_process'
import { constants } from 'node:os'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A job as the controller reports it (scontrol show job), or accounting once it is gone. */
export interface SlurmJobState {
  /** JobState: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, … */
  state: string
  reason: string | null
  node: string | null
  partition: string | null
  /** ExitCode=code:signal of the batch script. */
  exitCode: number | null
  exitSignal: NodeJS.Signals | null
}

/** States a job does not leave: it ran to an end, or Slurm gave up on it. */
const FINAL_STATES = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
])

export const isFinal = (job: SlurmJobState) => FINAL_STATES.has(job.state)

/** The first line Slurm's tool wrote to stderr, for an error message. */
function said(error: unknown): string {
  const stderr = (error as { stderr?: Buffer | string }).stderr?.toString().trim()
  return (stderr || (error as Error).message).split('\n')[0]!.replace(/^\w+: error: /, '')
}

/** Submits a batch script; returns Slurm's job id. Throws with sbatch's own words. */
export function sbatch(script: string): string {
  try {
    const out = execFileSync('sbatch', ['--parsable', script], { stdio: 'pipe' }).toString()
    // --parsable prints `id` or `id;cluster`.
    return out.trim().split(';')[0]!
  } catch (error) {
    throw new Error(`sbatch refused the job: ${said(error)}`, { cause: error })
  }
}

/** Asks Slurm whether it would take a job with these options, submitting nothing. */
export function sbatchTestOnly(options: string[]): void {
  try {
    execFileSync('sbatch', ['--test-only', ...options, '--wrap', 'true'], { stdio: 'pipe' })
  } catch (error) {
    throw new Error(said(error), { cause: error })
  }
}

export function scancel(jobId: string, signal?: NodeJS.Signals): void {
  const args = signal ? ['--full', `--signal=${signal.replace(/^SIG/, '')}`, jobId] : [jobId]
  try {
    execFileSync('scancel', args, { stdio: 'pipe' })
  } catch {
    // The job ended meanwhile: there is nothing left to cancel.
  }
}

/**
 * The job's state: from the controller while it remembers the job (MinJobAge after its end),
 * then from accounting (sacct) where the cluster keeps it; null when neither knows it.
 */
export async function slurmJobState(jobId: string): Promise<SlurmJobState | null> {
  try {
    const { stdout } = await run('scontrol', ['show', 'job', '-o', jobId])
    return fromScontrol(stdout)
  } catch {
    return fromSacct(jobId)
  }
}

function fromScontrol(line: string): SlurmJobState {
  const fields = new Map<string, string>()
  for (const [, key, value] of line.matchAll(/(\w+)=(\S*)/g)) {
    if (!fields.has(key!)) fields.set(key!, value!)
  }
  const known = (value: string | undefined) => (value && value !== '(null)' ? value : null)
  const [code, signal] = (fields.get('ExitCode') ?? '').split(':').map(Number)
  return {
    state: fields.get('JobState') ?? 'UNKNOWN',
    reason: known(fields.get('Reason')),
    node: known(fields.get('BatchHost')) ?? known(fields.get('NodeList')),
    partition: known(fields.get('Partition')),
    ...exitOf(code, signal),
  }
}

async function fromSacct(jobId: string): Promise<SlurmJobState | null> {
  try {
    const { stdout } = await run('sacct', [
      '-j',
      jobId,
      '-X',
      '-n',
      '-P',
      '-o',
      'State,ExitCode,NodeList,Partition',
    ])
    const [state, exit, node, partition] = stdout.trim().split('\n')[0]!.split('|')
    if (!state) return null
    const [code, signal] = (exit ?? '').split(':').map(Number)
    return {
      // sacct writes `CANCELLED by 0`.
      state: state.split(' ')[0]!,
      reason: null,
      node: node && node !== 'None assigned' ? node : null,
      partition: partition || null,
      ...exitOf(code, signal),
    }
  } catch {
    return null
  }
}

/** The batch script's exit: a shell reports a child killed by signal N as 128 + N. */
function exitOf(code: number | undefined, signal: number | undefined) {
  const byNumber = (n: number) =>
    (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] as NodeJS.Signals) ?? null
  if (signal) return { exitCode: null, exitSignal: byNumber(signal) }
  if (code !== undefined && code > 128) return { exitCode: null, exitSignal: byNumber(code - 128) }
  return { exitCode: Number.isFinite(code) ? code! : null, exitSignal: null }
}
