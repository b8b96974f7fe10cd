import type { Command } from 'commander'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PNG } from 'pngjs'
import { MAX_PREDICT_HORIZON, type Input, type NewPrediction } from '../../api/contract'
import { comparisonRows } from '../../media/comparison-rows'
import { decodeClip, padClip, type Clip } from '../../media/frames'
import { encodeGif } from '../../media/gif'
import { labelledPlayerFrames, labelledPlayerStrip } from '../../media/labelled-export'
import { writeFileAtomic } from '../../util/atomic-write'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveDataset, resolveRun } from '../resolve'

interface PredictOptions extends WorkspaceOption {
  input?: string
  dataset?: string
  split: 'train' | 'val' | 'test'
  clip: number
  horizon?: number
  out: string
  zoom: number
  fps: number
}

const FORMATS = ['gif', 'png', 'mp4', 'npy'] as const

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`"${v}" is not a whole number ≥ 0`)
  return n
}

/**
 * `tmu predict`: a run's rollout from a clip it has not seen (a file, a folder of frames, a
 * video, or a dataset clip), as far as `--horizon`, written as a labelled GIF, MP4 or PNG strip
 * (truth above prediction, as the player's exports draw them) or the raw prediction as .npy.
 */
export function registerPredict(program: Command) {
  addWorkspaceOption(
    program
      .command('predict <run>')
      .description(
        'predict from a clip the run has not seen (a .npy, a folder of frames, a video, or a dataset clip)',
      )
      .option(
        '--input <path>',
        'a .npy clip ([T, H, W] or [T, H, W, C]), a folder of frames or a video',
      )
      .option('--dataset <name|id>', "a dataset's clip instead (default: the run's own)")
      .option('--split <split>', 'split of the dataset clip: train, val or test', 'test')
      .option('--clip <n>', 'clip of that split', int, 0)
      .option(
        '--horizon <n>',
        `frames to predict (default: the trained T_out; at most ${MAX_PREDICT_HORIZON})`,
        int,
      )
      .requiredOption(
        '-o, --out <file>',
        'output .gif, .mp4, .png (a strip) or .npy (the prediction)',
      )
      .option('--zoom <n>', 'nearest-neighbour magnification', int, 4)
      .option('--fps <n>', 'GIF and MP4 frames per second', int, 4),
  ).action(async (ref: string, opts: PredictOptions) => {
    const format = FORMATS.find((f) => opts.out.toLowerCase().endsWith(`.${f}`))
    if (!format) throw new Error(`--out: "${opts.out}" must end in .${FORMATS.join(', .')}`)
    if (!['train', 'val', 'test'].includes(opts.split)) {
      throw new Error(`--split: "${opts.split}" is not train, val or test`)
    }
    await withWorkbench(opts, async (workbench) => {
      const run = await resolveRun(workbench, ref)
      let source: Input<'runs.predict'>['source']
      if (opts.input) {
        source = { kind: 'file', path: resolve(opts.input) }
      } else {
        const datasetId = opts.dataset
          ? (await resolveDataset(workbench, opts.dataset)).id
          : run.datasetId
        if (datasetId === null) {
          throw new Error(`run ${run.id} has no dataset of its own: give --input or --dataset`)
        }
        source = { kind: 'clip', datasetId, split: opts.split, clip: opts.clip }
      }
      const result = await workbench.call('runs.predict', {
        id: run.id,
        source,
        ...(opts.horizon !== undefined ? { horizon: opts.horizon } : {}),
      })
      if (format === 'npy') {
        // The very file the workbench saved: one clip, [T, H, W, C] uint8.
        writeFileAtomic(opts.out, readFileSync(join(result.folder, 'prediction.npy')))
      } else {
        const rows = comparisonRows(
          truthOf(result),
          [{ id: 'prediction', label: run.name, clip: decodeClip(result.prediction) }],
          { abs: false, signed: false },
        )
        const layout = { zoom: opts.zoom, inputFrames: result.inputFrames }
        if (format === 'png') {
          const strip = labelledPlayerStrip(rows, result.horizon, layout)
          const png = new PNG({ width: strip.width, height: strip.height })
          png.data = Buffer.from(strip.data.buffer, strip.data.byteOffset, strip.data.byteLength)
          writeFileSync(opts.out, PNG.sync.write(png))
        } else {
          const frames = labelledPlayerFrames(rows, result.horizon, layout)
          if (format === 'gif') {
            writeFileSync(opts.out, encodeGif(frames, Math.round(1000 / Math.max(1, opts.fps))))
          } else {
            const video = await workbench.call('media.encodeMp4', {
              fps: Math.max(1, opts.fps),
              frames: frames.map((f) => ({
                width: f.width,
                height: f.height,
                rgbaBase64: Buffer.from(f.data.buffer).toString('base64'),
              })),
            })
            writeFileSync(opts.out, Buffer.from(video.mp4Base64, 'base64'))
          }
        }
      }
      const truth = result.truth?.shape[0] ?? 0
      const past =
        result.horizon > result.trainedFrames
          ? `, t+${result.trainedFrames + 1}… past the trained ${result.trainedFrames}`
          : ''
      out.line(
        `wrote ${opts.out}: ${run.name} (iteration ${result.iteration}, ${result.backend}) from ${result.source}, ` +
          `${result.inputFrames} frames in, ${result.horizon} predicted${past}; ` +
          `truth for ${truth === result.horizon ? 'all' : `the first ${truth}`}`,
      )
      out.line(`saved in ${result.folder}`)
    })
  })
}

/** The truth over the predicted frames; black where the source ends sooner. */
function truthOf({ truth, prediction, horizon }: NewPrediction): Clip {
  const [, H, W, C] = prediction.shape
  const empty: Clip = { shape: [0, H, W, C], bytes: new Uint8Array(0) }
  return padClip(truth ? decodeClip(truth) : empty, horizon)
}
