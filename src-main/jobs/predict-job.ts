import * as tf from '@tensorflow/tfjs'
import { initBackend } from '../ml/backend'
import { quantize8bit } from '../ml/metrics/quantize'
import { clipsToTensor } from './clip-tensor'
import { createInferenceTrainer, restoreLatestWeights } from './run-trainer'
import type { PredictReply, PredictRequest } from './trainer-protocol'

/**
 * One rollout of a run's newest checkpoint (η = 0, on its own guesses) from the context
 * frames in `request`, `horizon` frames on: the prediction as uint8, as the test predictions
 * are saved.
 */
export async function runPredictJob(request: PredictRequest): Promise<PredictReply> {
  const { model, train, horizon } = request
  const backend = await initBackend(request.backend)
  const trainer = createInferenceTrainer(model, train)
  try {
    const { latest } = restoreLatestWeights(trainer, request.runDir, model)
    if (!latest) throw new Error(`${request.runDir} holds no readable checkpoint`)
    const context = new Uint8Array(Buffer.from(request.contextBase64, 'base64'))
    const { imageHeight: H, imageWidth: W, channels: C } = model
    const frames = context.length / (H * W * C)
    if (frames !== train.inputFrames) {
      throw new Error(
        `the context holds ${frames} frames of ${H}×${W}×${C}, the run sees ${train.inputFrames}`,
      )
    }
    const input = clipsToTensor(context, [1, frames, H, W, C], frames)
    const prediction = tf.tidy(() => trainer.predict(input, frames, horizon))
    input.dispose()
    const values = (await prediction.data()) as Float32Array
    prediction.dispose()
    const bytes = quantize8bit(values, 0, new Uint8Array(values.length))
    return {
      type: 'predicted',
      backend: backend.name,
      iteration: latest.checkpoint.state.iteration,
      predictionBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(
        'base64',
      ),
    }
  } finally {
    trainer.dispose()
  }
}
