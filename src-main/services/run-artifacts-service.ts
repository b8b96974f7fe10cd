import { existsSync, readFileSync } from 'node:fs'
import type { z } from 'zod'
import {
  WorkbenchError,
  type ClipGates,
  type ClipTmuMaps,
  type PredictionClip,
  type Run,
  type StepPredictions,
} from '../api/contract'
import {
  PredictionsIndex,
  predictionFiles,
  predictionsDir,
  SavedClipGates,
  SavedMapsIndex,
  stepPredictionFiles,
} from '../jobs/prediction-files'
import { readStepIndex } from '../jobs/step-predictions'
import { loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { encodePytorchSafetensors } from '../ml/checkpoint/pytorch-interchange'
import { tmuLayerIndices } from '../ml/tmu/tmu-layers'
import { nowIso } from '../store/time'
import { folderBytes } from '../util/folder-bytes'
import { renderModelCardHtml, renderModelCardMarkdown } from './model-card'
import type { RunsService } from './runs-service'

export interface RunArtifactsDeps {
  runs: Pick<RunsService, 'get' | 'list' | 'dir' | 'sourceName' | 'evaluation'>
}

/**
 * What a run leaves on disk, read back for people: its test predictions and transfer gates
 * (written by the trainer), its model card, its weights for PyTorch and its folder's size.
 */
export function createRunArtifactsService({ runs }: RunArtifactsDeps) {
  /** The run's saved test predictions, or not_found naming what is missing. */
  function testPredictions(run: Run, needGates: boolean) {
    const files = predictionFiles(predictionsDir(runs.dir(run.id)), 'test')
    if (!existsSync(files.index)) {
      throw new WorkbenchError('not_found', `run "${run.name}" has no saved test predictions yet`)
    }
    if (needGates && !existsSync(files.gates)) {
      throw new WorkbenchError('not_found', `run "${run.name}" has no evaluated test clips yet`)
    }
    return { files, index: readJson(files.index, PredictionsIndex) }
  }

  /** A file-name stem from the run's name (`run-<id>` when nothing is left of it). */
  const fileStem = (run: Run) =>
    run.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || `run-${run.id}`

  return {
    prediction(id: number, clip: number): PredictionClip {
      const run = runs.get(id)
      const { files, index } = testPredictions(run, false)
      const at = index.clips.indexOf(clip)
      if (at < 0) {
        throw new WorkbenchError(
          'not_found',
          `run "${run.name}" predicted ${index.clips.length} test clips; not clip ${clip}`,
        )
      }
      return clipOf(files.frames, index, at, clip)
    },

    stepPredictions(id: number): StepPredictions | null {
      runs.get(id) // not_found for an unknown run, rather than null
      const index = readStepIndex(runs.dir(id))
      if (!index) return null
      const { split, clips, iterations, inputFrames } = index
      return { split, clips, iterations, inputFrames }
    },

    stepPrediction(id: number, iteration: number, clip: number): PredictionClip {
      const run = runs.get(id)
      const index = readStepIndex(runs.dir(id))
      const at = index?.clips.indexOf(clip) ?? -1
      if (!index || !index.iterations.includes(iteration) || at < 0) {
        throw new WorkbenchError(
          'not_found',
          `run "${run.name}" kept no prediction of ${index?.split ?? 'val'} clip ${clip} at iteration ${iteration}`,
        )
      }
      return clipOf(stepPredictionFiles(runs.dir(id)).frames(iteration), index, at, clip)
    },

    gates(id: number, clip: number): ClipGates {
      const run = runs.get(id)
      if (!run.config.model.tmu) {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" is not a TMU target; it has no transfer gates`,
        )
      }
      const { files, index } = testPredictions(run, true)
      const all = readJson(files.gates, SavedClipGates.array())
      const at = index.clips.indexOf(clip)
      if (at < 0 || !all[at]) {
        throw new WorkbenchError(
          'not_found',
          `run "${run.name}" has no gates for test clip ${clip}`,
        )
      }
      return {
        clip,
        layers: tmuLayerIndices(run.config.model).map((l) => l + 1),
        sources: run.sourceRunIds.map(runs.sourceName),
        gateMean: all[at].gateMean,
      }
    },

    /** One test clip's TMU maps, or null where the run kept none for it (see `runs.tmuMaps`). */
    tmuMaps(id: number, clip: number): ClipTmuMaps | null {
      const run = runs.get(id)
      if (!run.config.model.tmu) return null
      const files = predictionFiles(predictionsDir(runs.dir(run.id)), 'test')
      if (!existsSync(files.mapsIndex)) return null
      const index = readJson(files.mapsIndex, SavedMapsIndex)
      const at = index.clips.indexOf(clip)
      if (at < 0) return null
      const { layers, sources, leadTimes, height, width } = index
      const clipBytes = layers.length * leadTimes * (2 * sources + 1) * height * width * 4
      const bytes = readFileSync(files.maps).subarray(at * clipBytes, (at + 1) * clipBytes)
      if (bytes.length !== clipBytes) {
        throw new WorkbenchError(
          'internal',
          `${files.maps}: shorter than its index says; evaluate the run again`,
        )
      }
      return {
        clip,
        layers,
        sources: run.sourceRunIds.map(runs.sourceName),
        leadTimes,
        height,
        width,
        mapsBase64: Buffer.from(bytes).toString('base64'),
      }
    },

    /** What a TMU target's test evaluation saved per clip, in clip order (docs/method.md §3.10). */
    introspection(id: number): SavedClipGates[] {
      const run = runs.get(id)
      const { files } = testPredictions(run, true)
      return readJson(files.gates, SavedClipGates.array())
    },

    /** The run's model card: config, lineage (target ← sources), metrics and curves. */
    card(id: number, format: 'markdown' | 'html'): { fileName: string; content: string } {
      const run = runs.get(id)
      const input = {
        run,
        sources: run.sourceRunIds.map((sourceId) => ({
          name: runs.sourceName(sourceId),
          dataset: runs.get(sourceId).datasetName,
          runId: sourceId,
        })),
        evaluation: runs.evaluation(id, 'test'),
        generatedAt: nowIso(),
      }
      const base = fileStem(run)
      return format === 'html'
        ? { fileName: `${base}.html`, content: renderModelCardHtml(input) }
        : { fileName: `${base}.md`, content: renderModelCardMarkdown(input) }
    },

    /**
     * The run's latest intact weights as a safetensors file in PyTorch layout ([out, in, kh,
     * kw] kernels), its config in the metadata, so `tmu zoo import` or PyTorch reads it back.
     */
    export(id: number): { fileName: string; iteration: number; safetensorsBase64: string } {
      const run = runs.get(id)
      const { latest } = loadLatestCheckpoint(runs.dir(id))
      if (!latest) throw new WorkbenchError('conflict', `run "${run.name}" has no checkpoint yet`)
      const { state, weights } = latest.checkpoint
      const pieces = encodePytorchSafetensors(weights, {
        metadata: {
          modelKind: state.modelKind,
          iteration: String(state.iteration),
          config: JSON.stringify(state.config.model),
        },
      })
      return {
        fileName: `${fileStem(run)}.safetensors`,
        iteration: state.iteration,
        safetensorsBase64: Buffer.concat(pieces).toString('base64'),
      }
    },

    /** Bytes of each run's folder, read from disk (a run's checkpoints change as it trains). */
    usage: (experimentId?: number) =>
      runs.list(experimentId).map((r) => ({ runId: r.id, bytes: folderBytes(runs.dir(r.id)) })),
  }
}

export type RunArtifactsService = ReturnType<typeof createRunArtifactsService>

/** Clip `at` of a saved predictions file ([N, T, H, W, C] uint8, laid out as `index` says). */
function clipOf(file: string, index: PredictionsIndex, at: number, clip: number): PredictionClip {
  const [, T, H, W, C] = index.shape
  const clipBytes = T * H * W * C
  const bytes = readFileSync(file).subarray(at * clipBytes, (at + 1) * clipBytes)
  return {
    shape: [T, H, W, C],
    framesBase64: Buffer.from(bytes).toString('base64'),
    inputFrames: index.inputFrames,
    clip,
  }
}

/** A JSON file the trainer wrote, checked against its schema (jobs/prediction-files.ts). */
function readJson<T extends z.ZodType>(path: string, schema: T): z.infer<T> {
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')))
  if (!parsed.success) {
    throw new WorkbenchError(
      'internal',
      `${path}: not a file this workbench wrote (${parsed.error.issues[0]?.message ?? 'invalid'}); evaluate the run again`,
    )
  }
  return parsed.data
}
