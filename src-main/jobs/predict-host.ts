import { forkTrainer, STDERR_TAIL_BYTES } from './job-host'
import { PREDICT_FLAG, PredictReply, type PredictRequest } from './trainer-protocol'

/** Loading a backend and one rollout; a prediction that takes longer than this is killed. */
const PREDICT_TIMEOUT_MS = 10 * 60_000

/**
 * One prediction in a trainer process of its own, beside any training: TensorFlow.js stays
 * out of the workbench's process, as for training and the backend probe.
 */
export function predictInTrainer(
  request: Omit<PredictRequest, 'type'>,
): Promise<Extract<PredictReply, { type: 'predicted' }>> {
  const child = forkTrainer([PREDICT_FLAG])
  let stderrTail = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_BYTES)
  })
  return new Promise((resolve, reject) => {
    let reply: PredictReply | null = null
    child.on('message', (raw) => {
      const parsed = PredictReply.safeParse(raw)
      if (parsed.success) reply = parsed.data
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), PREDICT_TIMEOUT_MS)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      const answer = reply as PredictReply | null
      if (answer?.type === 'predicted') return resolve(answer)
      if (answer?.type === 'failed') return reject(new Error(answer.message))
      const how = signal ? `was stopped by ${signal}` : `exited with code ${code}`
      const tail = stderrTail.trim().split('\n').slice(-3).join(' | ')
      reject(new Error(`the prediction process ${how} before replying${tail ? ` (${tail})` : ''}`))
    })
    child.send({ type: 'predict', ...request } satisfies PredictRequest)
  })
}
