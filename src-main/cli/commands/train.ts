import { Option, type Command } from 'commander'
import {
  BackendPreference,
  etaDecayFor,
  RUN_PRESETS,
  RunConfig,
  type Run,
  type RunPresetName,
} from '../../api/contract'
import type { Workbench } from '../../api/create-workbench'
import { followRun } from '../follow-run'
import { printEvaluation } from '../evaluation-table'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveDataset, resolveExperiment, resolveRun } from '../resolve'

interface TrainOptions extends WorkspaceOption {
  dataset?: string
  experiment: string
  name?: string
  kind: 'source' | 'scratch'
  preset: RunPresetName
  cell: 'convlstm' | 'predrnn'
  hidden?: string
  kernel?: number
  patch?: number
  layerNorm?: boolean
  iterations?: number
  batch?: number
  lr?: number
  inputFrames?: number
  outputFrames?: number
  evalEvery?: number
  checkpointEvery?: number
  clipNorm?: number
  seed?: number
  reverse: boolean
  backend: string
  testClips?: number
}

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n)) throw new Error(`"${v}" is not a whole number`)
  return n
}
const num = (v: string) => {
  const n = Number(v)
  if (!Number.isFinite(n)) throw new Error(`"${v}" is not a number`)
  return n
}

export function registerTrain(program: Command) {
  addWorkspaceOption(
    program
      .command('train')
      .description(
        'train a predictive network on a dataset, showing progress (Ctrl-C stops after a checkpoint)',
      )
      .option('-d, --dataset <name|id>', 'dataset (default: the built-in Flying Digits)')
      .option(
        '-e, --experiment <name>',
        'experiment to file the run under (created if missing)',
        'Command line',
      )
      .option('-n, --name <name>', 'run name')
      .option('--kind <kind>', 'source (for the zoo) or scratch', 'scratch')
      .option('--preset <preset>', 'quick (small, CPU) or paper (4×64, 80 000 iterations)', 'quick')
      .option('--cell <cell>', 'convlstm or predrnn', 'convlstm')
      .option('--hidden <list>', 'hidden channels per layer, e.g. 64,64,64,64')
      .option('--kernel <k>', 'kernel size', int)
      .option('--patch <p>', 'patch size', int)
      .option('--layer-norm', 'layer normalisation after each gate convolution')
      .option('--iterations <n>', 'training iterations', int)
      .option('--batch <n>', 'batch size', int)
      .option('--lr <rate>', 'Adam learning rate', num)
      .option('--input-frames <n>', 'frames the model sees', int)
      .option('--output-frames <n>', 'frames it predicts', int)
      .option('--eval-every <n>', 'validate every n iterations', int)
      .option('--checkpoint-every <n>', 'checkpoint every n iterations', int)
      .option('--clip-norm <value>', 'clip gradients to this global norm', num)
      .option('--seed <n>', 'random seed', int)
      .option('--no-reverse', 'do not train each batch reversed in time as well')
      .addOption(
        new Option('--backend <name>', 'compute backend (auto: the fastest that loads)')
          .choices(BackendPreference.options)
          .default('auto'),
      )
      .option('--test-clips <n>', 'test clips scored at the end (default: preset)', int),
  ).action(async (opts: TrainOptions) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await createRun(workbench, opts)
        out.line(`run ${run.id} "${run.name}" on ${run.datasetName}: ${describeModel(run)}`)
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })

  addWorkspaceOption(
    program
      .command('resume <run>')
      .description('continue an interrupted, failed or cancelled run from its last checkpoint'),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await resolveRun(workbench, ref)
        await workbench.call('runs.control', { id: run.id, action: 'resume' })
        out.line(`resuming run ${run.id} "${run.name}" from iteration ${run.iteration}`)
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })

  addWorkspaceOption(
    program.command('eval <run>').description("score a run's latest checkpoint on its test split"),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await resolveRun(workbench, ref)
        await workbench.call('runs.evaluate', { id: run.id })
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })
}

async function createRun(workbench: Workbench, opts: TrainOptions): Promise<Run> {
  if (!(opts.preset in RUN_PRESETS))
    throw new Error(`--preset: "${opts.preset}" is not quick or paper`)
  if (opts.kind !== 'source' && opts.kind !== 'scratch') {
    throw new Error(
      '--kind: the CLI trains source or scratch runs; finetune and TMU runs come from studies or the UI',
    )
  }
  const preset = RUN_PRESETS[opts.preset]
  const dataset = await resolveDataset(workbench, opts.dataset)
  const experiment = await resolveExperiment(workbench, opts.experiment)
  const defined = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>
  const config = RunConfig.parse({
    model: {
      ...preset.model,
      ...defined({
        cell: opts.cell,
        hidden: opts.hidden?.split(',').map(int),
        kernelSize: opts.kernel,
        patchSize: opts.patch,
        layerNorm: opts.layerNorm,
      }),
      imageHeight: dataset.shape.H,
      imageWidth: dataset.shape.W,
      channels: dataset.shape.C,
    },
    train: {
      ...preset.train,
      ...defined({
        iterations: opts.iterations,
        batchSize: opts.batch,
        learningRate: opts.lr,
        inputFrames: opts.inputFrames,
        outputFrames: opts.outputFrames,
        evalEvery: opts.evalEvery,
        checkpointEvery: opts.checkpointEvery,
        clipNorm: opts.clipNorm,
        seed: opts.seed,
        reverseInput: opts.reverse,
      }),
      // A changed length keeps the schedule's shape (η = 0 at 5/8 of training).
      ...(opts.iterations ? { etaDecay: etaDecayFor(opts.iterations) } : {}),
    },
    backend: opts.backend,
    testClips: opts.testClips ?? preset.testClips,
  })
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ')
  return workbench.call('runs.create', {
    experimentId: experiment.id,
    name: opts.name ?? `${config.model.cell} ${config.model.hidden.join('×')} ${stamp}`,
    kind: opts.kind,
    datasetId: dataset.id,
    config,
  })
}

async function finish(workbench: Workbench, runId: number) {
  const run = await followRun(workbench, runId)
  if (run.status === 'completed') {
    const summary = await workbench.call('runs.evaluation', { id: run.id })
    if (summary) printEvaluation(summary)
    out.line(`run ${run.id} completed on ${run.backend}`)
    return
  }
  if (run.error) out.error(`run ${run.id} ${run.status}: ${run.error}`)
  else
    out.line(
      `run ${run.id} ${run.status} at iteration ${run.iteration}; \`tmu resume ${run.id}\` continues it`,
    )
  process.exitCode = run.status === 'cancelled' ? 130 : 1
}

function describeModel(run: Run): string {
  const { model, train } = run.config
  return `${model.cell} ${model.hidden.join('×')}, ${train.iterations} iterations of batch ${train.batchSize}`
}
