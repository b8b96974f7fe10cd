import { WorkbenchError, type ParsedInput } from '../api/contract'
import { encodeMp4 } from '../data/mp4-encoder'
import { alignComparison, comparisonRows } from '../media/comparison-rows'
import { labelledPlayerFrames } from '../media/labelled-export'
import type { RgbaImage } from '../media/frame-grid'
import type { DatasetsService } from './datasets-service'
import type { RunArtifactsService } from './run-artifacts-service'
import type { RunsService } from './runs-service'

export interface ComparisonVideoDeps {
  runs: Pick<RunsService, 'get'>
  datasets: Pick<DatasetsService, 'clip'>
  artifacts: Pick<RunArtifactsService, 'prediction'>
}

/**
 * The compare player as an MP4. The renderer draws GIF and PNG itself, but H.264 needs ffmpeg,
 * which only the main side can run, and the frames (up to 8 runs × 3 panes per frame) are too
 * large to send up a call; so the main side lays out the same labelled frames from the saved
 * predictions (`media/labelled-export.ts`, which the renderer's exports use too).
 */
async function mp4Base64(frames: RgbaImage[], fps: number): Promise<string> {
  const mp4 = await encodeMp4(frames, fps).catch((error: Error) => {
    throw new WorkbenchError('backend_unavailable', error.message)
  })
  return Buffer.from(mp4).toString('base64')
}

export function createComparisonVideoService({ runs, datasets, artifacts }: ComparisonVideoDeps) {
  return {
    async exportVideo(input: ParsedInput<'runs.exportVideo'>) {
      const chosen = input.runIds.map((id) => runs.get(id))
      const datasetId = chosen[0]!.datasetId
      if (datasetId === null) {
        throw new WorkbenchError(
          'invalid_input',
          `run "${chosen[0]!.name}" has no dataset to compare on`,
        )
      }
      const truth = await datasets.clip({ id: datasetId, split: 'test', clip: input.clip })
      const aligned = alignComparison(
        truth,
        chosen.map((run) => artifacts.prediction(run.id, input.clip)),
      )
      const rows = comparisonRows(
        aligned.truth,
        chosen.map((run, i) => ({
          id: `run-${run.id}`,
          label: run.name,
          clip: aligned.predictions[i]!,
        })),
        input.heat,
      )
      const frames = labelledPlayerFrames(rows, aligned.truth.shape[0], {
        zoom: input.zoom,
        inputFrames: aligned.inputFrames,
      })
      return {
        fileName: `compare-clip${input.clip}.mp4`,
        mp4Base64: await mp4Base64(frames, input.fps),
      }
    },

    /** Frames already laid out (`tmu predict --out x.mp4`), all of one size, as an MP4. */
    async encode({ frames, fps }: ParsedInput<'media.encodeMp4'>) {
      const images = frames.map(({ width, height, rgbaBase64 }, i) => {
        const data = new Uint8ClampedArray(Buffer.from(rgbaBase64, 'base64'))
        if (data.length !== width * height * 4) {
          throw new WorkbenchError(
            'invalid_input',
            `frame ${i}: ${data.length} bytes are not ${width}×${height} RGBA`,
          )
        }
        return { width, height, data }
      })
      return { mp4Base64: await mp4Base64(images, fps) }
    },
  }
}
