import type { Command } from 'commander'
import { GenerateDatasetInput, NPY_LAYOUTS, type Dataset, type NpyLayout } from '../../api/contract'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveDataset } from '../resolve'

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n)) throw new Error(`"${v}" is not a whole number`)
  return n
}

function describe(d: Dataset): string {
  const { T, H, W, C } = d.shape
  const mb = (d.bytes / 1e6).toFixed(1)
  return `${String(d.id).padStart(3)}  ${d.name.padEnd(32)} ${d.origin.padEnd(13)} ${String(d.clipCount).padStart(6)} clips × ${T} × ${H}×${W}×${C}  (${d.splits.train}/${d.splits.val}/${d.splits.test})  ${mb} MB`
}

export function registerData(program: Command) {
  const data = program.command('data').description('datasets: generate, import, list, show')

  addWorkspaceOption(
    data.command('list').description('list the datasets of the workspace').option('--json'),
  ).action(async (opts: WorkspaceOption & { json?: boolean }) => {
    await withWorkbench(opts, async (workbench) => {
      const datasets = await workbench.call('datasets.list', {})
      if (opts.json) return out.json(datasets)
      out.line(
        ' id  name                             origin          clips      shape            train/val/test',
      )
      datasets.forEach((d) => out.line(describe(d)))
    })
  })

  addWorkspaceOption(
    data.command('show <dataset>').description('show a dataset with its provenance'),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(opts, async (workbench) => {
      out.json(await resolveDataset(workbench, ref))
    })
  })

  addWorkspaceOption(
    data
      .command('generate <name>')
      .description('generate a Flying Digits (Moving MNIST) dataset')
      .option('--digits <n>', 'digits per clip', int, 2)
      .option('--size <px>', 'canvas size', int, 64)
      .option('--digit-size <px>', 'digit size', int, 28)
      .option('--frames <n>', 'frames per clip', int, 20)
      .option('--train <n>', 'train clips', int, 1000)
      .option('--val <n>', 'validation clips', int, 100)
      .option('--test <n>', 'test clips (drawn from held-out digits)', int, 100)
      .option('--seed <n>', 'random seed', int, 0),
  ).action(
    async (
      name: string,
      opts: WorkspaceOption &
        Record<
          'digits' | 'size' | 'digitSize' | 'frames' | 'train' | 'val' | 'test' | 'seed',
          number
        >,
    ) => {
      await withWorkbench(opts, async (workbench) => {
        const dataset = await workbench.call(
          'datasets.generate',
          GenerateDatasetInput.parse({
            name,
            digitsPerClip: opts.digits,
            canvasSize: opts.size,
            digitSize: opts.digitSize,
            clipLength: opts.frames,
            trainClips: opts.train,
            valClips: opts.val,
            testClips: opts.test,
            seed: opts.seed,
          }),
        )
        out.line(describe(dataset))
      })
    },
  )

  addWorkspaceOption(
    data
      .command('import <path>')
      .description(
        'import a .npy, PredRNN .npz, folder of frame folders, or video(s) into the workspace',
      )
      .requiredOption('--name <name>', 'dataset name')
      .option(
        '--format <format>',
        'npy, predrnn-npz, frame-folders or video (detected when absent)',
      )
      .option(
        '--layout <layout>',
        `.npy axis order: ${NPY_LAYOUTS.join(', ')} (detected when absent)`,
      )
      .option('--clip-length <n>', 'frames per clip', int)
      .option('--clip-stride <n>', 'frames between clip starts', int)
      .option('--frame-stride <n>', 'keep every n-th frame', int)
      .option('--resize <HxW>', 'resize frames, e.g. 64x64')
      .option('--gray', 'convert to one channel')
      .option(
        '--split <rule>',
        'ratio:0.8,0.1,0.1 or pattern:<train regex>[,<test regex>]',
        'ratio:0.8,0.1,0.1',
      )
      .option('--preview', 'only show what would be imported'),
  ).action(async (path: string, opts: ImportFlags) => {
    await withWorkbench(opts, async (workbench) => {
      const source = {
        path,
        ...(opts.format ? { format: opts.format as 'npy' } : {}),
        options: importOptions(opts),
      }
      const preview = await workbench.call('datasets.preview', source)
      out.line(
        `${preview.format}: ${preview.dtype} ${JSON.stringify(preview.sourceShape)} as ${preview.layout}, values ${preview.valueRange.min}…${preview.valueRange.max}, ${preview.sequenceCount} sequences → clips of ${JSON.stringify(preview.clipShape)}`,
      )
      if (opts.preview) return
      const dataset = await workbench.call('datasets.import', { ...source, name: opts.name })
      out.line(describe(dataset))
    })
  })
}

interface ImportFlags extends WorkspaceOption {
  name: string
  format?: string
  layout?: NpyLayout
  clipLength?: number
  clipStride?: number
  frameStride?: number
  resize?: string
  gray?: boolean
  split: string
  preview?: boolean
}

function importOptions(opts: ImportFlags) {
  const [kind, spec = ''] = opts.split.split(':', 2)
  let split
  if (kind === 'ratio') {
    const [train = 0.8, val = 0.1, test = 0.1] = spec.split(',').map(Number)
    split = { kind: 'ratio' as const, train, val, test, seed: 0 }
  } else if (kind === 'pattern') {
    const [train = '', test] = spec.split(',')
    split = { kind: 'pattern' as const, train, ...(test ? { test } : {}) }
  } else {
    throw new Error(`--split: "${opts.split}" is not ratio:… or pattern:…`)
  }
  let resize
  if (opts.resize) {
    const match = /^(\d+)x(\d+)$/.exec(opts.resize)
    if (!match) throw new Error(`--resize: "${opts.resize}" is not HxW, e.g. 64x64`)
    resize = { height: Number(match[1]), width: Number(match[2]) }
  }
  return {
    split,
    ...(resize ? { resize } : {}),
    ...(opts.gray ? { color: 'gray' as const } : {}),
    ...(opts.layout ? { layout: opts.layout } : {}),
    ...(opts.clipLength ? { clipLength: opts.clipLength } : {}),
    ...(opts.clipStride ? { clipStride: opts.clipStride } : {}),
    ...(opts.frameStride ? { frameStride: opts.frameStride } : {}),
  }
}
