import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SlurmSettings } from '../../domain/cluster'
import { listCheckpoints } from '../../ml/checkpoint/checkpoint-latest'
import type { DetachedJob, JobEvents, JobExecutor, JobPlacement } from '../executor'
import {
  jobFiles,
  jobFilesIn,
  readControl,
  outcomeBefore,
  readMessagesFrom,
  writeJsonAtomically,
  type JobFiles,
} from '../job-files'
import { STDERR_TAIL_BYTES, trainerEntry, type TrainerExit, type TrainerHandle } from '../job-host'
import type { TrainerMessage } from '../trainer-protocol'
import { arrayLinksDir, batchScript, sbatchOptions, TIME_LIMIT_WARNING_S } from './batch-script'
import { pendingReasonInWords } from './pending-reasons'
import {
  isFinal,
  sbatch,
  sbatchTestOnly,
  scancel,
  slurmJobState,
  type SlurmJobState,
} from './slurm-commands'

export interface SlurmExecutorOptions {
  settings: SlurmSettings
  /** How often a job's state and message file are read (default 2 s). */
  pollMs?: number
}

/** Slurm queues whatever it is given: the workbench hands it every queued run at once. */
const SLURM_CONCURRENCY = 1_000

/**
 * One sbatch job per run, or one job array for runs filed together (the seeds of an arm),
 * held until the jobs of the runs they train on succeeded (afterok). The trainer on the node
 * talks through files (job-files.ts).
 */
export function createSlurmExecutor(options: SlurmExecutorOptions): JobExecutor {
  const pollMs = options.pollMs ?? 2_000
  let checked = false
  return {
    name: 'slurm',
    concurrency: SLURM_CONCURRENCY,
    check() {
      // Once per settings: a study files many runs at once, each checked.
      if (checked) return
      checkSlurmSettings(options.settings)
      checked = true
    },
    schedules: true,
    start(launches, after) {
      const tasks = launches.map(({ jobId, spec }) => jobFiles(spec.runDir, jobId))
      const runIds = launches.map(({ spec }) => String(spec.runId))
      let submitted: string
      try {
        launches.forEach(({ spec }, k) => {
          mkdirSync(tasks[k]!.dir, { recursive: true })
          writeJsonAtomically(tasks[k]!.spec, spec)
          writeJsonAtomically(tasks[k]!.control, { paused: false, stop: false })
        })
        if (tasks.length > 1) {
          const links = arrayLinksDir(tasks)
          mkdirSync(links)
          tasks.forEach((task, k) => symlinkSync(task.dir, join(links, String(k))))
        }
        writeFileSync(tasks[0]!.script, scriptHere(options.settings, tasks, runIds, after), {
          mode: 0o755,
        })
        submitted = sbatch(tasks[0]!.script)
      } catch (error) {
        // Nothing half-made is left behind: the jobs failed to start, their folders go.
        for (const task of tasks) rmSync(task.dir, { recursive: true, force: true })
        throw error
      }
      return launches.map(({ spec, events }, k) => {
        // A task of an array is known to Slurm as ARRAYID_INDEX.
        const slurmJobId = tasks.length > 1 ? `${submitted}_${k}` : submitted
        const submittedAs = {
          ...placement(slurmJobId, null),
          partition: options.settings.partition || null,
        }
        events.placed(submittedAs)
        return follow(tasks[k]!, spec.runDir, slurmJobId, 0, events, pollMs, submittedAs)
      })
    },
    reattach(job: DetachedJob, events) {
      const files = jobFiles(job.runDir, job.jobId)
      if (!existsSync(files.dir)) return null
      return follow(files, job.runDir, job.slurmJobId, job.offset, events, pollMs)
    },
  }
}

/** The batch script of runs `runIds` (their job folders `tasks`) from this workbench. */
function scriptHere(settings: SlurmSettings, tasks: JobFiles[], runIds: string[], after: string[]) {
  const { entry, execArgv } = trainerEntry()
  return batchScript({
    tasks,
    after,
    jobName: `tmu-run-${runIds.join('+')}`,
    settings,
    node: process.execPath,
    trainer: [...execArgv, entry],
    workDir: process.cwd(),
    electron: process.versions.electron !== undefined,
  })
}

/**
 * The script a new run would be submitted with, for the new-run form: its run and job ids
 * are not known yet, so their folder says RUN and JOB.
 */
export function previewBatchScript(settings: SlurmSettings, runsDir: string): string {
  return scriptHere(settings, [jobFilesIn(join(runsDir, 'RUN', 'jobs', 'JOB'))], ['RUN'], [])
}

/**
 * Says what is wrong with the settings before anything is filed: the formats (the schema
 * checks them), then whether Slurm would take such a job (sbatch --test-only: an unknown
 * partition or account, a time limit over the partition's).
 */
export function checkSlurmSettings(settings: SlurmSettings) {
  const limit = timeLimitSeconds(settings.timeLimit)
  if (limit !== null && limit < MIN_TIME_LIMIT_S) {
    // Slurm warns TIME_LIMIT_WARNING_S before the limit: a shorter job would be told to
    // checkpoint and requeue as soon as it starts, over and over.
    throw new Error(
      `Slurm settings (time limit): ${settings.timeLimit} is too short; runs need at least ` +
        `${MIN_TIME_LIMIT_S / 60} minutes, as Slurm warns them ${TIME_LIMIT_WARNING_S / 60} minutes before the limit`,
    )
  }
  try {
    sbatchTestOnly(sbatchOptions(settings))
  } catch (error) {
    const said = (error as Error).message
    if (NO_CONTROLLER.test(said)) {
      // No field is wrong: this machine is not part of a cluster (no slurm.conf, no
      // controller answering), which the field names would only hide.
      throw new Error(
        `Slurm: sbatch on this machine reaches no Slurm controller (${said}). Start the ` +
          "workbench on the cluster's login node, where sbatch works, or train on this machine.",
        { cause: error },
      )
    }
    throw new Error(`Slurm settings (${settingNamed(said)}): sbatch says: ${said}`, {
      cause: error,
    })
  }
}

/** What sbatch says where it finds no cluster: no configuration, or no controller answering. */
const NO_CONTROLLER =
  /resolve_ctls_from_dns_srv|fetch_config|configuration (source|file)|unable to contact slurm controller|connection refused/i

/** How long a stopped trainer's job may look ended before its batch script's requeue shows. */
const REQUEUE_GRACE_MS = 60_000

/** A time limit is at least this long (with room to train past the warning). */
const MIN_TIME_LIMIT_S = 5 * 60

/** Seconds of a Slurm time (the schema checked its format); null for none or no limit. */
function timeLimitSeconds(time: string): number | null {
  if (!time || /^(UNLIMITED|INFINITE)$/i.test(time)) return null
  const [days, clock] = time.includes('-') ? time.split('-') : ['0', time]
  const parts = clock!.split(':').map(Number)
  // minutes | minutes:seconds | hours:minutes:seconds; after days-: hours[:minutes[:seconds]]
  const [h, m, sec] = time.includes('-')
    ? [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0]
    : parts.length === 3
      ? parts
      : [0, parts[0] ?? 0, parts[1] ?? 0]
  return Number(days) * 86_400 + h! * 3_600 + m! * 60 + sec!
}

/** Which setting sbatch's complaint is about, as the Settings page names it. */
function settingNamed(said: string): string {
  const fields: Array<[RegExp, string]> = [
    [/partition/i, 'partition'],
    [/account/i, 'account'],
    [/time/i, 'time limit'],
    [/gres|gpu/i, 'GPUs (gres)'],
    [/mem/i, 'memory'],
    [/cpu/i, 'CPUs per task'],
    [/command not found|ENOENT/i, 'sbatch is not on the PATH'],
  ]
  return fields.find(([pattern]) => pattern.test(said))?.[1] ?? 'extra options'
}

function placement(slurmJobId: string, job: SlurmJobState | null): JobPlacement {
  const running = job?.state === 'RUNNING' || job?.state === 'COMPLETING'
  return {
    executor: 'slurm',
    slurmJobId,
    node: running ? job.node : null,
    partition: job?.partition ?? null,
    state: running ? 'running' : 'pending',
    reason: running ? null : pendingReasonInWords(job?.reason ?? job?.state ?? 'None'),
  }
}

/**
 * Follows one Slurm job: its messages from `offset` on, its state until Slurm is done with
 * it. A requeued job goes on in the same file (its trainer says `started` again), so only
 * Slurm's final state ends the handle.
 */
function follow(
  files: JobFiles,
  runDir: string,
  slurmJobId: string,
  offset: number,
  events: JobEvents,
  pollMs: number,
  /** Where the job was last said to stand, so that it is said again only once it moves. */
  placedBefore: JobPlacement | null = null,
): TrainerHandle {
  // Re-attached after the last server read the end: that end still counts.
  let last: TrainerMessage | null = outcomeBefore(files.messages, offset)
  let detached = false
  let timer: NodeJS.Timeout | undefined
  const keyOf = (p: JobPlacement) => `${p.state}|${p.reason}|${p.node}`
  let placedAs = placedBefore ? keyOf(placedBefore) : ''

  const readMessages = () => {
    const read = readMessagesFrom(files.messages, offset)
    for (const message of read.messages) {
      if (message.type === 'started') last = null
      if (message.type === 'finished' || message.type === 'failed') last = message
      events.message(message)
    }
    if (read.offset !== offset) {
      offset = read.offset
      events.consumed(offset)
    }
  }

  // An end is believed at a second look: a requeue passes through states that read as final
  // for a moment, and a busy controller can fail a query (with no accounting to fall back on,
  // the job then looks gone). A trainer stopped by a signal with no stop asked for is requeued
  // by its batch script, so its end waits REQUEUE_GRACE_MS for the job to show up again.
  let endSeenAt: number | null = null
  const endBelieved = () => {
    if (endSeenAt === null) {
      endSeenAt = Date.now()
      return false
    }
    const requeueDue =
      last?.type === 'finished' && last.reason === 'stopped' && !readControl(files.control).stop
    return !requeueDue || Date.now() - endSeenAt >= REQUEUE_GRACE_MS
  }
  const exited = new Promise<TrainerExit>((resolve) => {
    const tick = async () => {
      if (detached) return
      readMessages()
      const job = await slurmJobState(slurmJobId)
      if (detached) return
      const ended = !job || isFinal(job)
      if (ended && !endBelieved()) {
        timer = setTimeout(() => void tick(), pollMs)
        return
      }
      if (!ended) endSeenAt = null
      if (job && !isFinal(job)) {
        if (job.reason === 'DependencyNeverSatisfied' && last === null) {
          // A run it trains on failed: Slurm would keep it pending for ever.
          last = {
            type: 'failed',
            message: `a run it trains on did not complete, so Slurm can never start it (${pendingReasonInWords(job.reason)})`,
          }
          scancel(slurmJobId)
        }
        const now = placement(slurmJobId, job)
        const key = keyOf(now)
        if (key !== placedAs) {
          placedAs = key
          events.placed(now)
        }
        timer = setTimeout(() => void tick(), pollMs)
        return
      }
      readMessages() // What the trainer wrote just before it ended.
      resolve(exitOf(job, slurmJobId, files, runDir, last))
    }
    void tick()
  })

  const setControl = (patch: Partial<ReturnType<typeof readControl>>) =>
    writeJsonAtomically(files.control, { ...readControl(files.control), ...patch })

  return {
    pid: undefined,
    // The control file first, so the batch script knows not to requeue; then scancel, whose
    // SIGTERM has the trainer checkpoint (a pending job simply goes).
    stop() {
      setControl({ stop: true })
      scancel(slurmJobId)
    },
    pause: () => setControl({ paused: true }),
    resume: () => setControl({ paused: false }),
    kill: (signal = 'SIGKILL') => scancel(slurmJobId, signal),
    exited,
    detach() {
      detached = true
      clearTimeout(timer)
    },
  }
}

function exitOf(
  job: SlurmJobState | null,
  slurmJobId: string,
  files: JobFiles,
  runDir: string,
  last: TrainerMessage | null,
): TrainerExit {
  const log = join(files.dir, `slurm-${slurmJobId}.out`)
  const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-STDERR_TAIL_BYTES) : ''
  const lines = tail.trim().split('\n').slice(-5).join(' | ')
  const state = job
    ? `ended ${job.state}${job.reason && job.reason !== 'None' ? ` (${job.reason})` : ''}${job.node ? ` on ${job.node}` : ''}`
    : 'is no longer known to Slurm'
  return {
    code: job?.exitCode ?? null,
    signal: job?.exitSignal ?? null,
    last,
    stderrTail: tail,
    lastCheckpoint: listCheckpoints(runDir)[0]?.iteration ?? 0,
    note: `Slurm job ${slurmJobId} ${state}${lines ? `; its log ends: ${lines}` : ''}`,
  }
}
