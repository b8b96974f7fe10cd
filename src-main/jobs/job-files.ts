import {
  appendFileSync,
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { TrainerMessage } from './trainer-protocol'

/**
 * A job that runs away from the server (a Slurm job on a compute node) has no IPC channel:
 * it talks through files in its folder on the shared file system. The server writes the spec
 * and the control file; the trainer writes its protocol messages, one JSON line each. Only
 * the server writes SQLite, from what it reads here (SQLite over NFS is unsafe for writers
 * on several hosts).
 */
export interface JobFiles {
  dir: string
  /** The TrainJobSpec, written once at submission. */
  spec: string
  /** The trainer's messages, appended as JSON lines. */
  messages: string
  /** What the server asks of a running trainer (pause, stop), polled by it. */
  control: string
  /** The sbatch script. */
  script: string
}

/** The folder of job `jobId` of a run: beside its checkpoints, inside the run's folder. */
export function jobFiles(runDir: string, jobId: number): JobFiles {
  return jobFilesIn(join(runDir, 'jobs', String(jobId)))
}

export function jobFilesIn(dir: string): JobFiles {
  return {
    dir,
    spec: join(dir, 'spec.json'),
    messages: join(dir, 'messages.jsonl'),
    control: join(dir, 'control.json'),
    script: join(dir, 'job.sh'),
  }
}

export const JobControl = z.object({
  paused: z.boolean().default(false),
  /** Checkpoint and end; set by a cancel, so the batch script does not requeue the job. */
  stop: z.boolean().default(false),
})
export type JobControl = z.infer<typeof JobControl>

/** Written whole under another name, then renamed: a reader never sees half of it. */
export function writeJsonAtomically(file: string, value: unknown) {
  writeFileSync(`${file}.tmp`, JSON.stringify(value))
  renameSync(`${file}.tmp`, file)
}

export function readControl(file: string): JobControl {
  if (!existsSync(file)) return JobControl.parse({})
  try {
    return JobControl.parse(JSON.parse(readFileSync(file, 'utf8')))
  } catch {
    return JobControl.parse({})
  }
}

/** One message, one line, in one write: a crash leaves at most one partial last line. */
export function appendMessage(file: string, message: TrainerMessage) {
  appendFileSync(file, `${JSON.stringify(message)}\n`)
}

/**
 * Reads the complete lines written after `offset`; returns their messages and the offset
 * after the last complete line (a partial line is read again once it is finished). A line
 * that does not parse (cut short by a killed trainer, then followed by a requeued one) is
 * passed over.
 */
export function readMessagesFrom(
  file: string,
  offset: number,
): { messages: TrainerMessage[]; offset: number } {
  if (!existsSync(file)) return { messages: [], offset }
  const fd = openSync(file, 'r')
  let text: string
  try {
    const size = fstatSync(fd).size
    if (size <= offset) return { messages: [], offset }
    const buffer = Buffer.alloc(size - offset)
    readSync(fd, buffer, 0, buffer.length, offset)
    const end = buffer.lastIndexOf(0x0a)
    if (end < 0) return { messages: [], offset }
    text = buffer.subarray(0, end).toString('utf8')
    offset += end + 1
  } finally {
    closeSync(fd)
  }
  return { messages: parseMessages(text), offset }
}

function parseMessages(text: string): TrainerMessage[] {
  const messages: TrainerMessage[] = []
  for (const line of text.split('\n')) {
    try {
      const parsed = TrainerMessage.safeParse(JSON.parse(line))
      if (parsed.success) messages.push(parsed.data)
    } catch {
      // A torn line: its trainer was killed mid-write.
    }
  }
  return messages
}

/**
 * How the trainer's latest attempt ended among the messages before `offset` (a finished or
 * failed message after its last `started`), or null. A server that stops after reading the
 * end but before Slurm reports the job done leaves its successor that much to know.
 */
export function outcomeBefore(file: string, offset: number): TrainerMessage | null {
  if (offset <= 0 || !existsSync(file)) return null
  const fd = openSync(file, 'r')
  const buffer = Buffer.alloc(offset)
  try {
    readSync(fd, buffer, 0, offset, 0)
  } finally {
    closeSync(fd)
  }
  let outcome: TrainerMessage | null = null
  for (const message of parseMessages(buffer.toString('utf8'))) {
    if (message.type === 'started') outcome = null
    if (message.type === 'finished' || message.type === 'failed') outcome = message
  }
  return outcome
}
