/**
 * The trainer process: owns TensorFlow.js, runs one job, reports over the IPC channel that
 * `child_process.fork` (or Electron's utilityProcess) opens. A native crash or an
 * out-of-memory here ends this process and its job, never the workbench. Started with
 * PROBE_FLAG it runs no job: it tries each backend for `tmu doctor` and exits, so loading
 * them (wasm, the onednn addon, libtensorflow) never touches the workbench's process.
 */
import { probeBackends } from '../ml/backend'
import { runTrainJob } from './train-job'
import {
  HostMessage,
  PROBE_FLAG,
  TRAINER_PROTOCOL_VERSION,
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

if (process.argv.includes(PROBE_FLAG)) probe()
else serveJob()
