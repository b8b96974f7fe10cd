import type { Command } from 'commander'
import { writeFileSync } from 'node:fs'
import { PNG } from 'pngjs'
import { composeGrid, type GridOptions } from '../../media/frame-grid'
import { decodeClip, frameToRgba, sliceClip, type Clip } from '../../media/frames'
import { encodeGif } from '../../media/gif'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveRun } from '../resolve'

interface PredictOptions extends WorkspaceOption {
  clip: number
  out: string
  zoom: number
  fps: number
}

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0) throw new Error(`"${v}" is not a whole number ≥ 0`)
  return n
}

/**
 * `tmu predict`: a test clip's truth above the run's prediction, as an animated GIF (one
 * frame per predicted step) or a PNG strip (steps across) — the same composition the
 * player's exports use.
 */
export function registerPredict(program: Command) {
  addWorkspaceOption(
    program
      .command('predict <run>')
      .description("render a test clip's truth and the run's prediction as a GIF or a PNG strip")
      .option('--clip <n>', 'test clip (position in the test split)', int, 0)
      .requiredOption('-o, --out <file>', 'output .gif or .png')
      .option('--zoom <n>', 'nearest-neighbour magnification', int, 4)
      .option('--fps <n>', 'GIF frames per second', int, 4),
  ).action(async (ref: string, opts: PredictOptions) => {
    const format = opts.out.endsWith('.gif') ? 'gif' : opts.out.endsWith('.png') ? 'png' : null
    if (!format) throw new Error(`--out: "${opts.out}" must end in .gif or .png`)
    await withWorkbench(opts, async (workbench) => {
      const run = await resolveRun(workbench, ref)
      if (run.datasetId === null)
        throw new Error(`run ${run.id} has no dataset to take the truth from`)
      const predicted = await workbench.call('runs.prediction', { id: run.id, clip: opts.clip })
      const prediction = decodeClip(predicted)
      const [steps] = prediction.shape
      // The truth clip starts with the frames the model saw; its future lines up with the guesses.
      const truth = sliceClip(
        decodeClip(
          await workbench.call('datasets.clip', {
            id: run.datasetId,
            split: 'test',
            clip: opts.clip,
          }),
        ),
        predicted.inputFrames,
        steps,
      )
      const rows: Clip[] = [truth, prediction]
      const [, H, W] = prediction.shape
      const grid: GridOptions = {
        tileWidth: W,
        tileHeight: H,
        scale: opts.zoom,
        gap: 4,
        background: [24, 26, 30],
      }
      if (format === 'gif') {
        const frames = Array.from({ length: steps }, (_, t) =>
          composeGrid(
            rows.map((c) => [frameToRgba(c, t)]),
            grid,
          ),
        )
        writeFileSync(opts.out, encodeGif(frames, Math.round(1000 / Math.max(1, opts.fps))))
      } else {
        const strip = composeGrid(
          rows.map((c) => Array.from({ length: steps }, (_, t) => frameToRgba(c, t))),
          grid,
        )
        const png = new PNG({ width: strip.width, height: strip.height })
        png.data = Buffer.from(strip.data.buffer, strip.data.byteOffset, strip.data.byteLength)
        writeFileSync(opts.out, PNG.sync.write(png))
      }
      out.line(
        `wrote ${opts.out}: test clip ${opts.clip}, truth (top) and ${run.name} (bottom), ${steps} steps`,
      )
    })
  })
}
