import { Option, type Command } from 'commander'
import {
  BackendPreference,
  CELL_LABELS,
  CellKind,
  etaDecayFor,
  isRecurrentCell,
  reverseSamplingFor,
  RUN_PRESETS,
  RunConfig,
  RunKind,
  TmuOptions,
  TrainConfig,
  type Dataset,
  type Run,
  type RunPreset,
  type RunPresetName,
} from '../api/contract'

const PRESET_HELP = Object.entries(RUN_PRESETS)
  .map(([name, preset]) => `${name} (${preset.label})`)
  .join(', ')
const CELL_HELP = CellKind.options.map((kind) => `${kind} (${CELL_LABELS[kind]})`).join(', ')

/**
 * `tmu train`'s options and the run they describe. Apart from the command so a test can parse
 * real arguments with commander and read the config they give, without training.
 */
export interface TrainOptions {
  dataset?: string
  experiment: string
  name?: string
  kind: RunKind
  sources?: string
  preset: RunPresetName
  cell?: CellKind
  hidden?: string
  kernel?: number
  patch?: number
  layerNorm?: boolean
  iterations?: number
  batch?: number
  lr?: number
  lrSchedule?: TrainConfig['lrSchedule']
  lrStepEvery?: number
  lrStepFactor?: number
  inputFrames?: number
  outputFrames?: number
  evalEvery?: number
  checkpointEvery?: number
  clipNorm?: number
  seed?: number
  /** Undefined unless --reverse or --no-reverse was given: then the preset decides. */
  reverse?: boolean
  tmuLayers?: string
  lambda?: number
  gate?: TmuOptions['gate']
  rescaleMemory?: boolean
  transferM?: boolean
  sourceInput?: TrainConfig['sourceInput']
  sampling?: TrainConfig['sampling']
  decoupleWeight?: number
  ddrWeight?: number
  backend: BackendPreference
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
const intList = (v: string) => v.split(',').map(int)

/** Options only a TMU target has, by the property commander gives each. */
const TMU_ONLY = {
  tmuLayers: '--tmu-layers',
  lambda: '--lambda',
  gate: '--gate',
  rescaleMemory: '--rescale-memory',
  transferM: '--transfer-m',
  sourceInput: '--source-input',
} as const satisfies Partial<Record<keyof TrainOptions, string>>

/** A finetune starts from its source's weights, so these come from the source. */
const ARCHITECTURE = {
  cell: '--cell',
  hidden: '--hidden',
  kernel: '--kernel',
  patch: '--patch',
  layerNorm: '--layer-norm',
} as const satisfies Partial<Record<keyof TrainOptions, string>>

export function addTrainOptions(command: Command): Command {
  return (
    command
      .option('-d, --dataset <name|id>', 'dataset (default: the built-in Flying Digits)')
      .option(
        '-e, --experiment <name>',
        'experiment to file the run under (created if missing)',
        'Command line',
      )
      .option('-n, --name <name>', 'run name')
      .addOption(
        new Option(
          '--kind <kind>',
          'source (for the zoo), scratch, finetune (from one source) or tmu (a TMU target)',
        )
          .choices(RunKind.options)
          .default('scratch'),
      )
      .option(
        '--sources <list>',
        'finetune, tmu: source models as zoo names or run ids, comma-separated (finetune: one)',
      )
      .option('--preset <preset>', `${PRESET_HELP} (default quick)`, 'quick')
      .addOption(
        new Option('--cell <cell>', `backbone: ${CELL_HELP} (default convlstm)`).choices(
          CellKind.options,
        ),
      )
      .option('--hidden <list>', 'hidden channels per layer, e.g. 64,64,64,64')
      .option('--kernel <k>', 'kernel size', int)
      .option('--patch <p>', 'patch size', int)
      .option('--layer-norm', 'layer normalisation after each gate convolution')
      .option('--iterations <n>', 'training iterations', int)
      .option('--batch <n>', 'batch size', int)
      .option('--lr <rate>', 'Adam learning rate', num)
      .addOption(
        new Option(
          '--lr-schedule <schedule>',
          'learning rate over training: constant, step (x --lr-step-factor every --lr-step-every iterations) or cosine (down to 0 at the end); default constant',
        ).choices(TrainConfig.shape.lrSchedule.unwrap().options),
      )
      .option('--lr-step-every <n>', 'step schedule: iterations between steps (default 20000)', int)
      .option('--lr-step-factor <f>', 'step schedule: factor at each step (default 0.1)', num)
      .option('--input-frames <n>', 'frames the model sees', int)
      .option('--output-frames <n>', 'frames it predicts', int)
      .option('--eval-every <n>', 'validate every n iterations', int)
      .option('--checkpoint-every <n>', 'checkpoint every n iterations', int)
      .option('--clip-norm <value>', 'clip gradients to this global norm', num)
      .option('--seed <n>', 'random seed', int)
      // Both forms, so that neither given leaves `reverse` undefined and the preset decides
      // (with --no-reverse alone, commander would default it to true).
      .option('--reverse', 'train each batch reversed in time as well (default: the preset)')
      .option('--no-reverse', 'do not train reversed (default: the preset)')
      .addOption(
        new Option(
          '--sampling <schedule>',
          "scheduled sampling: standard (context from the truth) or reverse (PredRNN-V2's, context sampled too); default reverse for predrnnv2, else standard",
        ).choices(TrainConfig.shape.sampling.unwrap().options),
      )
      .option(
        '--decouple-weight <beta>',
        'predrnnv2: weight β of the memory-decoupling loss (default 0.1)',
        num,
      )
      .option(
        '--ddr-weight <alpha>',
        "simvp, tau: weight α of TAU's differential divergence regularisation in the training loss (default: the preset's, 0.1 for tau-*, else 0)",
        num,
      )
      .option('--tmu-layers <list>', 'tmu: 1-based layers that are TMU cells (default 1)')
      .option('--lambda <weight>', 'tmu: weight λ of the distillation loss (default 0.1)', num)
      .addOption(
        new Option('--gate <gate>', 'tmu: transfer gates (default sigmoid)').choices(
          TmuOptions.shape.gate.unwrap().options,
        ),
      )
      .option('--rescale-memory', 'tmu: scale the carried memory by 1/(1+M)')
      .option(
        '--transfer-m',
        "tmu: distil the sources' spatiotemporal memory M too (PredRNN, PredRNN-V2, PredRNN++, MIM)",
      )
      .addOption(
        new Option('--source-input <input>', 'tmu: what the sources read (default mask)').choices(
          TrainConfig.shape.sourceInput.unwrap().options,
        ),
      )
      .addOption(
        new Option('--backend <name>', 'compute backend (auto: the fastest that loads)')
          .choices(BackendPreference.options)
          .default('auto'),
      )
      .option('--test-clips <n>', 'test clips scored at the end (default: preset)', int)
  )
}

/** The source list as given, split; each entry is resolved against the zoo and the runs. */
export function sourceRefs(opts: Pick<TrainOptions, 'kind' | 'sources'>): string[] {
  const refs = opts.sources?.split(',').map((s) => s.trim()) ?? []
  if (refs.some((ref) => ref === ''))
    throw new Error(`--sources: "${opts.sources}" has an empty entry`)
  const needsSources = opts.kind === 'finetune' || opts.kind === 'tmu'
  if (!needsSources && refs.length > 0) {
    throw new Error(`--sources: a ${opts.kind} run takes no sources`)
  }
  if (opts.kind === 'tmu' && refs.length === 0) {
    throw new Error('--sources: a TMU target needs at least one source (zoo name or run id)')
  }
  if (opts.kind === 'finetune' && refs.length !== 1) {
    throw new Error(
      `--sources: a finetune starts from exactly one source, got ${refs.length || 'none'}`,
    )
  }
  return refs
}

const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>

/** Names of the given options among `which`, as typed on the command line. */
function given(opts: TrainOptions, which: Partial<Record<keyof TrainOptions, string>>): string[] {
  return Object.entries(which).flatMap(([key, flag]) =>
    opts[key as keyof TrainOptions] === undefined ? [] : [flag],
  )
}

/** The model a run trains: a finetune's source architecture, else the preset and options. */
function modelOf(opts: TrainOptions, dataset: Dataset, sources: readonly Run[]) {
  const frames = {
    imageHeight: dataset.shape.H,
    imageWidth: dataset.shape.W,
    channels: dataset.shape.C,
  }
  if (opts.kind === 'finetune') {
    const architecture = given(opts, ARCHITECTURE)
    if (architecture.length) {
      throw new Error(
        `${architecture.join(', ')}: a finetune takes its source's architecture; leave them out`,
      )
    }
    const { cell, hidden, kernelSize, patchSize, layerNorm, simvp } = sources[0]!.config.model
    return {
      cell,
      hidden,
      kernelSize,
      patchSize,
      layerNorm,
      ...(simvp ? { simvp } : {}),
      ...frames,
    }
  }
  const hidden = opts.hidden === undefined ? undefined : intList(opts.hidden)
  const layers = hidden?.length ?? RUN_PRESETS[opts.preset].model.hidden.length
  const tmuLayers = opts.tmuLayers === undefined ? [1] : intList(opts.tmuLayers)
  const missing = tmuLayers.filter((k) => k < 1 || k > layers)
  if (opts.kind === 'tmu' && missing.length) {
    throw new Error(`--tmu-layers: the model has layers 1 to ${layers}, not ${missing.join(', ')}`)
  }
  return {
    ...RUN_PRESETS[opts.preset].model,
    ...defined({
      cell: opts.cell,
      hidden,
      kernelSize: opts.kernel,
      patchSize: opts.patch,
      layerNorm: opts.layerNorm,
    }),
    ...frames,
    // As the New run form records a TMU target: M is the number of sources.
    ...(opts.kind === 'tmu'
      ? {
          tmu: {
            sources: sources.length,
            layers: tmuLayers,
            gate: opts.gate ?? 'sigmoid',
            rescaleMemory: opts.rescaleMemory ?? false,
            transferM: opts.transferM ?? false,
          },
        }
      : {}),
  }
}

/** The config `runs.create` gets for these options; throws naming the option at fault. */
export function runConfigOf(
  opts: TrainOptions,
  dataset: Dataset,
  sources: readonly Run[] = [],
): RunConfig {
  if (!(opts.preset in RUN_PRESETS)) {
    throw new Error(
      `--preset: "${opts.preset}" is not one of ${Object.keys(RUN_PRESETS).join(', ')}`,
    )
  }
  const tmuOnly = given(opts, TMU_ONLY)
  if (opts.kind !== 'tmu' && tmuOnly.length) {
    throw new Error(`${tmuOnly.join(', ')}: only a TMU target (--kind tmu) takes these`)
  }
  const preset = RUN_PRESETS[opts.preset]
  const model = modelOf(opts, dataset, sources)
  if (opts.decoupleWeight !== undefined && model.cell !== 'predrnnv2') {
    throw new Error('--decouple-weight: only a PredRNN-V2 network (--cell predrnnv2) takes it')
  }
  // No cell given: ModelConfig's default, ConvLSTM.
  if (opts.ddrWeight !== undefined && isRecurrentCell(model.cell ?? 'convlstm')) {
    throw new Error('--ddr-weight: only a SimVP or TAU network (--cell simvp, tau) takes it')
  }
  // PredRNN-V2 trains with reverse sampling unless told otherwise, as its release does.
  const presetTrain: RunPreset['train'] = preset.train
  const sampling =
    opts.sampling ?? (model.cell === 'predrnnv2' ? 'reverse' : (presetTrain.sampling ?? 'standard'))
  const iterations = opts.iterations ?? preset.train.iterations
  return RunConfig.parse({
    model,
    train: {
      // Reverse sampling's ramp in the release's proportions of the run, unless the preset
      // sets its own (OpenSTL's) or the run's length changes below.
      ...(sampling === 'reverse' ? reverseSamplingFor(iterations) : {}),
      ...preset.train,
      ...defined({
        iterations: opts.iterations,
        batchSize: opts.batch,
        learningRate: opts.lr,
        lrSchedule: opts.lrSchedule,
        lrStepEvery: opts.lrStepEvery,
        lrStepFactor: opts.lrStepFactor,
        inputFrames: opts.inputFrames,
        outputFrames: opts.outputFrames,
        evalEvery: opts.evalEvery,
        checkpointEvery: opts.checkpointEvery,
        clipNorm: opts.clipNorm,
        seed: opts.seed,
        reverseInput: opts.reverse,
        distillWeight: opts.lambda,
        sourceInput: opts.sourceInput,
        decoupleWeight: opts.decoupleWeight,
        ddrWeight: opts.ddrWeight,
      }),
      sampling,
      // A changed length keeps the schedules' shapes (η = 0 at 5/8 of training).
      ...(opts.iterations
        ? { etaDecay: etaDecayFor(opts.iterations), ...reverseSamplingFor(opts.iterations) }
        : {}),
    },
    backend: opts.backend,
    testClips: opts.testClips ?? preset.testClips,
  })
}
