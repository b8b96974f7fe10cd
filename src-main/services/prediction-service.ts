import { mkdirSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import {
  WorkbenchError,
  type ClipFrames,
  type NewPrediction,
  type ParsedInput,
  type Run,
} from '../api/contract'
import { encodeNpy } from '../data/npy'
import { predictInTrainer } from '../jobs/predict-host'
import type { DatasetsService } from './datasets-service'
import type { RunsService } from './runs-service'

export interface PredictionDeps {
  runs: Pick<RunsService, 'get' | 'dir'>
  datasets: Pick<DatasetsService, 'get' | 'clip' | 'preview'>
}

/** Frames [T, H, W, C] as bytes, with where they came from in words. */
interface SourceFrames {
  label: string
  shape: [number, number, number, number]
  bytes: Uint8Array
}

/**
 * Applying a trained run to data it has not seen (issue #12): the context from a dataset
 * clip or a file (read as an import would read it, at the run's frame size and channels),
 * a rollout in a trainer process past the trained horizon if asked, and the result saved in
 * the run's folder, `predictions/new/<time>/`, as .npy beside a description.
 */
export function createPredictionService(deps: PredictionDeps) {
  async function clipFrames(
    source: ParsedInput<'runs.predict'>['source'],
    run: Run,
    frames: number,
  ) {
    if (source.kind === 'clip') {
      const dataset = deps.datasets.get(source.datasetId)
      return {
        label: `${dataset.name} · ${source.split} clip ${source.clip}`,
        ...decoded(
          await deps.datasets.clip({
            id: source.datasetId,
            split: source.split,
            clip: source.clip,
          }),
        ),
      }
    }
    const { model } = run.config
    const read = (clipLength: number) =>
      deps.datasets.preview({
        path: source.path,
        ...(source.format ? { format: source.format } : {}),
        options: {
          ...source.options,
          clipLength: Math.max(2, clipLength),
          resize: { height: model.imageHeight, width: model.imageWidth },
          color: model.channels === 1 ? 'gray' : model.channels === 3 ? 'rgb' : 'keep',
        },
      })
    // With the truth that follows where the file holds it. An array shorter than that is
    // refused as a clip that long, so it is read again as long as its time axis.
    const preview = await read(frames).catch(async () => {
      const context = await read(run.config.train.inputFrames)
      const time = context.layout.indexOf('T')
      const length = context.format === 'npy' && time >= 0 ? context.sourceShape[time]! : 0
      const stride = source.options.frameStride ?? 1
      const available = Math.floor((length - 1) / stride) + 1
      return available > run.config.train.inputFrames ? read(Math.min(available, frames)) : context
    })
    return { label: basename(source.path), ...decoded(preview.sample) }
  }

  return {
    async predict({ id, source, horizon }: ParsedInput<'runs.predict'>): Promise<NewPrediction> {
      const run = deps.runs.get(id)
      const { model, train } = run.config
      const steps = horizon ?? train.outputFrames
      const frames: SourceFrames = await clipFrames(source, run, train.inputFrames + steps)
      const [T, H, W, C] = frames.shape
      const problems = [
        H !== model.imageHeight || W !== model.imageWidth
          ? `its frames are ${H}×${W}, the run's ${model.imageHeight}×${model.imageWidth}`
          : null,
        C !== model.channels ? `it has ${C} channels, the run ${model.channels}` : null,
        T < train.inputFrames
          ? `it has ${T} frames, the run needs ${train.inputFrames} to predict from`
          : null,
      ].filter((p) => p !== null)
      if (problems.length) {
        throw new WorkbenchError('invalid_input', `${frames.label}: ${problems.join('; ')}`)
      }
      const frameBytes = H * W * C
      const context = frames.bytes.subarray(0, train.inputFrames * frameBytes)
      const truthFrames = Math.min(T - train.inputFrames, steps)
      const truth =
        truthFrames > 0
          ? frames.bytes.subarray(context.length, context.length + truthFrames * frameBytes)
          : null
      const reply = await predictInTrainer({
        runDir: deps.runs.dir(id),
        model,
        train,
        backend: run.config.backend,
        contextBase64: Buffer.from(context).toString('base64'),
        horizon: steps,
      }).catch((error: Error) => {
        throw new WorkbenchError('conflict', `run "${run.name}" cannot predict: ${error.message}`)
      })
      const prediction = new Uint8Array(Buffer.from(reply.predictionBase64, 'base64'))
      const folder = join(
        deps.runs.dir(id),
        'predictions',
        'new',
        new Date().toISOString().replace(/[:.]/g, '-'),
      )
      const result: NewPrediction = {
        source: frames.label,
        inputFrames: train.inputFrames,
        horizon: steps,
        trainedFrames: train.outputFrames,
        iteration: reply.iteration,
        backend: reply.backend,
        context: encoded(context, [train.inputFrames, H, W, C]),
        truth: truth ? encoded(truth, [truthFrames, H, W, C]) : null,
        prediction: encoded(prediction, [steps, H, W, C]),
        folder,
      }
      save(result, { context, truth, prediction })
      return result
    },
  }
}

export type PredictionService = ReturnType<typeof createPredictionService>

function decoded(clip: ClipFrames): Pick<SourceFrames, 'shape' | 'bytes'> {
  return { shape: clip.shape, bytes: new Uint8Array(Buffer.from(clip.framesBase64, 'base64')) }
}

function encoded(bytes: Uint8Array, shape: [number, number, number, number]): ClipFrames {
  return { shape, framesBase64: Buffer.from(bytes).toString('base64') }
}

/** The arrays as one-clip .npy files ([T, H, W, C], uint8), and what they are, in JSON. */
function save(
  result: NewPrediction,
  arrays: { context: Uint8Array; truth: Uint8Array | null; prediction: Uint8Array },
) {
  mkdirSync(result.folder, { recursive: true })
  writeFileSync(join(result.folder, 'context.npy'), encodeNpy(arrays.context, result.context.shape))
  if (arrays.truth && result.truth) {
    writeFileSync(join(result.folder, 'truth.npy'), encodeNpy(arrays.truth, result.truth.shape))
  }
  writeFileSync(
    join(result.folder, 'prediction.npy'),
    encodeNpy(arrays.prediction, result.prediction.shape),
  )
  const { source, inputFrames, horizon, trainedFrames, iteration, backend } = result
  const description = { source, inputFrames, horizon, trainedFrames, iteration, backend }
  writeFileSync(join(result.folder, 'prediction.json'), `${JSON.stringify(description, null, 1)}\n`)
}
