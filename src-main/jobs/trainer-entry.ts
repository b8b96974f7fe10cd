/**
 * The trainer process: owns TensorFlow.js, runs one job, reports over the IPC channel that
 * `child_process.fork` (or Electron's utilityProcess) opens. A native crash or an
 * out-of-memory here ends this process and its job, never the workbench. Started with
 * PROBE_FLAG it runs no job: it tries each backend for `tmu doctor` and exits, so loading
 * them (wasm, the onednn addon, libtensorflow) never touches the workbench's process.
 * Started with PREDICT_FLAG it predicts once from a run's checkpoint and exits.
 */
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { probeBackends } from '../ml/backend'
import { listCheckpoints } from '../ml/checkpoint/checkpoint-latest'
import { appendMessage, jobFilesIn, readControl } from './job-files'
import { runPredictJob } from './predict-job'
import { runTrainJob } from './train-job'
import {
  EXIT_STOPPED_BY_SIGNAL,
  HostMessage,
  JOB_DIR_FLAG,
  PREDICT_FLAG,
  PredictRequest,
  PROBE_FLAG,
  TRAINER_PROTOCOL_VERSION,
  TrainJobSpec,
  type PredictReply,
  type ProbeReply,
  type TrainerMessage,
} from './trainer-protocol'

let stopRequested = false
let paused: { resume: () => void; promise: Promise<void> } | null = null
let started = false

function send(message: TrainerMessage) {
  process.send?.(message)
}

function pause() {
  if (paused) return
  let resume!: () => void
  const promise = new Promise<void>((resolve) => (resume = resolve))
  paused = { resume, promise }
}

function unpause() {
  paused?.resume()
  paused = null
}

function probe() {
  void probeBackends().then(
    (attempts) => {
      const reply: ProbeReply = { type: 'probed', attempts }
      process.send?.(reply, undefined, {}, () => process.exit(0))
    },
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error))
      process.exit(1)
    },
  )
}

/** One prediction: a request over IPC, one reply, then exit (jobs/predict-host.ts). */
function predictOnce() {
  process.once('message', (raw) => {
    const parsed = PredictRequest.safeParse(raw)
    const reply: Promise<PredictReply> = parsed.success
      ? runPredictJob(parsed.data)
      : Promise.resolve({
          type: 'failed',
          message: `trainer: malformed predict request: ${parsed.error.message}`,
        })
    void reply
      .catch((error: unknown): PredictReply => ({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      }))
      .then((message) => process.send?.(message, undefined, {}, () => process.exit(0)))
  })
}

function serveJob() {
  process.on('message', (raw) => {
    const parsed = HostMessage.safeParse(raw)
    if (!parsed.success) {
      send({
        type: 'failed',
        message: `trainer: malformed message from host: ${parsed.error.message}`,
      })
      return
    }
    const message = parsed.data
    switch (message.type) {
      case 'start':
        if (started) return
        started = true
        if (message.version !== TRAINER_PROTOCOL_VERSION) {
          send({
            type: 'failed',
            message: `trainer speaks protocol ${TRAINER_PROTOCOL_VERSION}, host ${message.version}`,
          })
          process.exit(1)
        }
        void runTrainJob(message.spec, {
          send,
          stopRequested: () => stopRequested,
          whilePaused: () => paused?.promise ?? Promise.resolve(),
        }).then(
          () => process.exit(0),
          (error: unknown) => {
            send({
              type: 'failed',
              message: error instanceof Error ? error.message : String(error),
            })
            // Let the IPC channel deliver the message before the process goes.
            setTimeout(() => process.exit(1), 50)
          },
        )
        break
      case 'stop':
        stopRequested = true
        unpause()
        break
      case 'pause':
        pause()
        break
      case 'resume':
        unpause()
        break
    }
  })

  // The host going away (the app quit, the server was killed) must not leave an orphan
  // trainer burning the CPU: stop at the next iteration, after a checkpoint.
  process.on('disconnect', () => {
    stopRequested = true
    unpause()
  })
}

/** How often a file-mode trainer reads its control file: a pause takes effect this soon. */
const CONTROL_POLL_MS = 1_000

/** This job's Slurm id as the server knows it: ARRAYID_INDEX for a task of a job array. */
function slurmJobIdHere(): string | null {
  const { SLURM_ARRAY_JOB_ID: array, SLURM_ARRAY_TASK_ID: task, SLURM_JOB_ID: job } = process.env
  return array && task ? `${array}_${task}` : (job ?? null)
}

/** The doctor's report from this node, as the job's first message of each attempt. */
function probeToFile(dir: string) {
  const files = jobFilesIn(dir)
  void probeBackends().then((attempts) => {
    appendMessage(files.messages, {
      type: 'node',
      host: hostname(),
      slurmJobId: slurmJobIdHere(),
      restarts: Number(process.env.SLURM_RESTART_COUNT ?? 0),
      attempts,
    })
  })
}

/**
 * A job away from the server: the spec from its folder, messages to its file, pause and stop
 * from its control file, SIGTERM (Slurm's preemption or time-limit warning, scancel) a stop
 * after a checkpoint. Every attempt resumes from the run's newest checkpoint, so a requeued
 * job continues where the last one stopped.
 */
function serveJobFromFiles(dir: string) {
  const files = jobFilesIn(dir)
  const spec = TrainJobSpec.parse(JSON.parse(readFileSync(files.spec, 'utf8')))
  const send = (message: TrainerMessage) => appendMessage(files.messages, message)
  let signalled = false
  process.on('SIGTERM', () => {
    signalled = true
    stopRequested = true
    unpause()
  })
  const poll = setInterval(() => {
    const control = readControl(files.control)
    if (control.stop) stopRequested = true
    if (control.paused && !stopRequested) pause()
    else unpause()
  }, CONTROL_POLL_MS)
  const resume = spec.resume || listCheckpoints(spec.runDir).length > 0
  void runTrainJob(
    { ...spec, resume },
    {
      send,
      stopRequested: () => stopRequested,
      whilePaused: () => paused?.promise ?? Promise.resolve(),
    },
  ).then(
    () => {
      clearInterval(poll)
      process.exit(signalled ? EXIT_STOPPED_BY_SIGNAL : 0)
    },
    (error: unknown) => {
      clearInterval(poll)
      send({ type: 'failed', message: error instanceof Error ? error.message : String(error) })
      process.exit(1)
    },
  )
}

const jobDir = process.argv[process.argv.indexOf(JOB_DIR_FLAG) + 1]
if (process.argv.includes(JOB_DIR_FLAG) && jobDir) {
  if (process.argv.includes(PROBE_FLAG)) probeToFile(jobDir)
  else serveJobFromFiles(jobDir)
} else if (process.argv.includes(PROBE_FLAG)) probe()
else if (process.argv.includes(PREDICT_FLAG)) predictOnce()
else serveJob()
