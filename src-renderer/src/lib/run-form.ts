import {
  CreateRunInput,
  hasSpatiotemporalMemory,
  isRecurrentCell,
  reverseSamplingFor,
  E3dOptions,
  MauOptions,
  modelKindConflicts,
  RUN_PRESETS,
  type RunPreset,
  type RunPresetName,
  ModelConfig,
  SimVpOptions,
  TrainConfig,
  type BackendPreference,
  type CellKind,
  type Dataset,
  type Input,
  type LrSchedule,
  type Run,
  type RunKind,
} from '@contract/index'

/** The new-run form's fields, flat so each input binds to one of them. */
export interface RunForm {
  experimentId: number | null
  name: string
  kind: RunKind
  datasetId: number | null
  sourceRunIds: number[]
  cell: CellKind
  layers: number
  /** Hidden channels as typed: one width for every layer ("64") or one per layer ("64, 32, 32"). */
  hidden: string
  kernelSize: number
  patchSize: number
  /** MAU's spatial reduction and attention window (read when the cell is MAU). */
  mauSrSize: number
  mauTau: number
  /** E3D-LSTM's temporal window d (read when the cell is E3D-LSTM); M is carried, the paper's. */
  e3dWindow: number
  /**
   * SimVP's sizes (read when the cell is non-recurrent); its Tin is the run's input frames,
   * which its translator must be sized for.
   */
  simvpSpatialChannels: number
  simvpTranslatorChannels: number
  simvpSpatialBlocks: number
  simvpTranslatorBlocks: number
  simvpEncoderKernel: number
  simvpDecoderKernel: number
  simvpMlpRatio: number
  imageHeight: number
  imageWidth: number
  channels: number
  inputFrames: number
  outputFrames: number
  iterations: number
  batchSize: number
  learningRate: number
  lrSchedule: LrSchedule
  lrStepEvery: number
  lrStepFactor: number
  /** Global-norm gradient clipping as typed; blank is off. */
  clipNorm: string
  evalEvery: number
  checkpointEvery: number
  seed: number
  reverseInput: boolean
  etaStart: number
  etaDecay: number
  sampling: TrainConfig['sampling']
  reverseSamplingStart: number
  reverseSamplingEnd: number
  reverseSamplingAlpha: number
  /** PredRNN-V2's β. */
  decoupleWeight: number
  /** SimVP's and TAU's α of the differential divergence term (docs/method.md §2.11). */
  ddrWeight: number
  backend: BackendPreference
  distillWeight: number
  /** 1-based TMU layer indices as typed, e.g. "1" or "1, 2". */
  tmuLayers: string
  gate: 'sigmoid' | 'softmax'
  rescaleMemory: boolean
  /** `tmu.transferM`; recorded only where the cell has an M (`transferMOffered`). */
  transferM: boolean
  sourceInput: 'mask' | 'truth'
}

export type RunFormField = keyof RunForm | 'form'
export type RunFormErrors = Partial<Record<RunFormField, string>>

const MODEL = ModelConfig.parse({})
const TRAIN = TrainConfig.parse({})

/**
 * The form's MAU, E3D-LSTM and SimVP fields for a model's options, the contract's defaults where
 * it has none.
 */
function familyFields(model: {
  mau?: Partial<MauOptions>
  e3d?: Partial<E3dOptions>
  simvp?: Partial<SimVpOptions>
}) {
  const mau = MauOptions.parse(model.mau ?? {})
  const simvp = SimVpOptions.parse(model.simvp ?? {})
  return {
    mauSrSize: mau.srSize,
    mauTau: mau.tau,
    e3dWindow: E3dOptions.parse(model.e3d ?? {}).window,
    simvpSpatialChannels: simvp.spatialChannels,
    simvpTranslatorChannels: simvp.translatorChannels,
    simvpSpatialBlocks: simvp.spatialBlocks,
    simvpTranslatorBlocks: simvp.translatorBlocks,
    simvpEncoderKernel: simvp.encoderKernel,
    simvpDecoderKernel: simvp.decoderKernel,
    simvpMlpRatio: simvp.mlpRatio,
  }
}

/** The contract's defaults: the paper's settings (docs/method.md §2, §4). */
export function defaultRunForm(): RunForm {
  return {
    experimentId: null,
    name: '',
    kind: 'scratch',
    datasetId: null,
    sourceRunIds: [],
    cell: MODEL.cell,
    layers: MODEL.hidden.length,
    hidden: hiddenText(MODEL.hidden),
    kernelSize: MODEL.kernelSize,
    patchSize: MODEL.patchSize,
    ...familyFields(MODEL),
    imageHeight: MODEL.imageHeight,
    imageWidth: MODEL.imageWidth,
    channels: MODEL.channels,
    inputFrames: TRAIN.inputFrames,
    outputFrames: TRAIN.outputFrames,
    iterations: TRAIN.iterations,
    batchSize: TRAIN.batchSize,
    learningRate: TRAIN.learningRate,
    lrSchedule: TRAIN.lrSchedule,
    lrStepEvery: TRAIN.lrStepEvery,
    lrStepFactor: TRAIN.lrStepFactor,
    clipNorm: '',
    evalEvery: TRAIN.evalEvery,
    checkpointEvery: TRAIN.checkpointEvery,
    seed: TRAIN.seed,
    reverseInput: TRAIN.reverseInput,
    etaStart: TRAIN.etaStart,
    etaDecay: TRAIN.etaDecay,
    sampling: TRAIN.sampling,
    reverseSamplingStart: TRAIN.reverseSamplingStart,
    reverseSamplingEnd: TRAIN.reverseSamplingEnd,
    reverseSamplingAlpha: TRAIN.reverseSamplingAlpha,
    decoupleWeight: TRAIN.decoupleWeight,
    ddrWeight: TRAIN.ddrWeight,
    backend: 'auto',
    distillWeight: TRAIN.distillWeight,
    tmuLayers: '1',
    gate: 'sigmoid',
    rescaleMemory: false,
    transferM: false,
    sourceInput: TRAIN.sourceInput,
  }
}

/** The shared presets by their contract names (`quick`, `paper`, …), as the form fills them in. */
export const PRESETS = Object.fromEntries(
  Object.entries(RUN_PRESETS).map(([name, preset]) => [name, presetValues(preset)]),
) as Record<RunPresetName, { label: string; values: Partial<RunForm> }>

/** The hidden field's text for per-layer widths: one number when every layer has the same. */
export function hiddenText(hidden: readonly number[]): string {
  return hidden.every((h) => h === hidden[0]) ? String(hidden[0]) : hidden.join(', ')
}

/**
 * Per-layer widths from the hidden field: one number for every layer, or one per layer.
 * An error in words otherwise.
 */
export function parseHidden(text: string, layers: number): number[] | string {
  const parts = String(text)
    .split(/[\s,]+/)
    .filter(Boolean)
  const widths = parts.map(Number)
  if (!parts.length || !widths.every((n) => Number.isInteger(n) && n >= 1)) {
    return 'hidden channels: whole numbers ≥ 1, one for every layer ("64") or one per layer ("64, 32")'
  }
  if (widths.length === 1) return Array.from({ length: layers }, () => widths[0]!)
  if (widths.length !== layers) {
    return `hidden channels: ${widths.length} widths for ${layers} layers; give one, or ${layers}`
  }
  return widths
}

/** The form's flat fields for a shared preset. */
function presetValues(preset: RunPreset): { label: string; values: Partial<RunForm> } {
  return {
    label: preset.label,
    values: {
      ...(preset.model.cell ? { cell: preset.model.cell } : {}),
      layers: preset.model.hidden.length,
      hidden: hiddenText(preset.model.hidden),
      kernelSize: preset.model.kernelSize,
      patchSize: preset.model.patchSize,
      ...familyFields(preset.model),
      // A preset without them resets what another preset set: standard sampling, the
      // release's β, and a reverse ramp in the release's proportions of its length.
      sampling: 'standard',
      decoupleWeight: TRAIN.decoupleWeight,
      ddrWeight: TRAIN.ddrWeight,
      ...reverseSamplingFor(preset.train.iterations),
      ...preset.train,
      etaStart: preset.train.etaStart ?? 1,
    },
  }
}

/** Image size and channels follow the dataset; Tin/Tout shrink to fit its clip length. */
export function fitToDataset(form: RunForm, dataset: Dataset): Partial<RunForm> {
  const { T, H, W, C } = dataset.shape
  const inputFrames = Math.min(form.inputFrames, Math.max(1, T - 1))
  return {
    imageHeight: H,
    imageWidth: W,
    channels: C,
    inputFrames,
    outputFrames: Math.min(form.outputFrames, T - inputFrames),
  }
}

/** A finetune starts from its source's weights, so it takes the source's architecture. */
export function architectureOf(run: Run): Partial<RunForm> {
  const m = run.config.model
  return {
    cell: m.cell,
    layers: m.hidden.length,
    hidden: hiddenText(m.hidden),
    kernelSize: m.kernelSize,
    patchSize: m.patchSize,
    ...familyFields(m),
  }
}

/**
 * The form filled in with a run's settings, to edit and start as a new run (a failed run's
 * settings on another backend, say). Options the form has no field for (checkpoints kept,
 * evaluation clips) are left out.
 */
export function formFromRun(run: Run): Partial<RunForm> {
  const { model, train, backend } = run.config
  return {
    ...architectureOf(run),
    experimentId: run.experimentId,
    name: `${run.name} (copy)`,
    kind: run.kind,
    datasetId: run.datasetId,
    sourceRunIds: [...run.sourceRunIds],
    imageHeight: model.imageHeight,
    imageWidth: model.imageWidth,
    channels: model.channels,
    inputFrames: train.inputFrames,
    outputFrames: train.outputFrames,
    iterations: train.iterations,
    batchSize: train.batchSize,
    learningRate: train.learningRate,
    lrSchedule: train.lrSchedule,
    lrStepEvery: train.lrStepEvery,
    lrStepFactor: train.lrStepFactor,
    clipNorm: train.clipNorm === null ? '' : String(train.clipNorm),
    evalEvery: train.evalEvery,
    checkpointEvery: train.checkpointEvery,
    seed: train.seed,
    reverseInput: train.reverseInput,
    etaStart: train.etaStart,
    etaDecay: train.etaDecay,
    sampling: train.sampling,
    reverseSamplingStart: train.reverseSamplingStart,
    reverseSamplingEnd: train.reverseSamplingEnd,
    reverseSamplingAlpha: train.reverseSamplingAlpha,
    decoupleWeight: train.decoupleWeight,
    ddrWeight: train.ddrWeight,
    backend,
    distillWeight: train.distillWeight,
    sourceInput: train.sourceInput,
    ...(model.tmu
      ? {
          tmuLayers: model.tmu.layers.join(', '),
          gate: model.tmu.gate,
          rescaleMemory: model.tmu.rescaleMemory,
          transferM: model.tmu.transferM,
        }
      : {}),
  }
}

/**
 * Whether the form offers "Transfer M too" (`tmu.transferM`, docs/method.md §3.2): a TMU target
 * whose cell hands on a spatiotemporal memory M (the PredRNN family and MIM, not ConvLSTM or MAU).
 */
export function transferMOffered(form: Pick<RunForm, 'kind' | 'cell'>): boolean {
  return form.kind === 'tmu' && hasSpatiotemporalMemory(form.cell)
}

export function parseLayerList(text: string): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean)
  const numbers = parts.map(Number)
  return parts.length && numbers.every((n) => Number.isInteger(n) && n >= 1) ? numbers : null
}

type ModelInput = Input<'runs.create'>['config']['model']

/**
 * The network the form describes; a TMU run's M is its number of chosen sources. Null while
 * the hidden widths do not parse, or a TMU run's layer list names no layer of the network.
 */
export function modelOf(form: RunForm): ModelInput | null {
  const hidden = parseHidden(form.hidden, form.layers)
  if (typeof hidden === 'string') return null
  const tmuLayers = form.kind === 'tmu' ? parseLayerList(form.tmuLayers) : null
  if (form.kind === 'tmu' && (!tmuLayers || tmuLayers.some((l) => l > form.layers))) return null
  return {
    cell: form.cell,
    hidden,
    kernelSize: form.kernelSize,
    patchSize: form.patchSize,
    imageHeight: form.imageHeight,
    imageWidth: form.imageWidth,
    channels: form.channels,
    ...(form.cell === 'mau' ? { mau: { srSize: form.mauSrSize, tau: form.mauTau } } : {}),
    ...(form.cell === 'e3d' ? { e3d: E3dOptions.parse({ window: form.e3dWindow }) } : {}),
    ...(isRecurrentCell(form.cell)
      ? {}
      : {
          simvp: {
            inputFrames: form.inputFrames,
            spatialChannels: form.simvpSpatialChannels,
            translatorChannels: form.simvpTranslatorChannels,
            spatialBlocks: form.simvpSpatialBlocks,
            translatorBlocks: form.simvpTranslatorBlocks,
            encoderKernel: form.simvpEncoderKernel,
            decoderKernel: form.simvpDecoderKernel,
            mlpRatio: form.simvpMlpRatio,
          },
        }),
    tmu: tmuLayers
      ? {
          sources: form.sourceRunIds.length,
          layers: tmuLayers,
          gate: form.gate,
          rescaleMemory: form.rescaleMemory,
          // A box ticked for a PredRNN, then hidden by choosing ConvLSTM, asks for nothing.
          transferM: form.transferM && transferMOffered(form),
        }
      : undefined,
  }
}

/**
 * Checks the form against the chosen dataset and sources; messages say what to change. Errors
 * the contract finds beyond these (its zod schema) land on the field they name, else on `form`.
 */
export function validateRunForm(
  form: RunForm,
  dataset: Dataset | undefined,
): { errors: RunFormErrors; input: Input<'runs.create'> | null } {
  const errors: RunFormErrors = {}
  const positiveInt = (field: keyof RunForm, value: number, what: string) => {
    if (!Number.isInteger(value) || value < 1) errors[field] = `${what} must be a whole number ≥ 1`
  }
  if (!form.name.trim()) errors.name = 'give the run a name'
  if (form.datasetId === null || !dataset) errors.datasetId = 'choose a dataset'
  positiveInt('layers', form.layers, 'layers')
  if (!errors.layers) {
    const hidden = parseHidden(form.hidden, form.layers)
    if (typeof hidden === 'string') errors.hidden = hidden
  }
  positiveInt('kernelSize', form.kernelSize, 'kernel size')
  if (!errors.kernelSize && form.kernelSize % 2 === 0) {
    errors.kernelSize = 'kernel size must be odd, so "same" padding keeps the size'
  }
  positiveInt('patchSize', form.patchSize, 'patch size')
  if (
    !errors.patchSize &&
    (form.imageHeight % form.patchSize !== 0 || form.imageWidth % form.patchSize !== 0)
  ) {
    errors.patchSize = `patch size must divide the image size ${form.imageHeight}×${form.imageWidth}`
  }
  positiveInt('inputFrames', form.inputFrames, 'input frames')
  positiveInt('outputFrames', form.outputFrames, 'output frames')
  if (dataset && !errors.inputFrames && !errors.outputFrames) {
    if (form.inputFrames + form.outputFrames > dataset.shape.T) {
      errors.outputFrames = `input + output frames must fit the dataset's ${dataset.shape.T}-frame clips`
    }
  }
  positiveInt('iterations', form.iterations, 'iterations')
  positiveInt('batchSize', form.batchSize, 'batch size')
  positiveInt('evalEvery', form.evalEvery, 'evaluation interval')
  positiveInt('checkpointEvery', form.checkpointEvery, 'checkpoint interval')
  if (!(form.learningRate > 0)) errors.learningRate = 'learning rate must be > 0'
  const clipNorm = form.clipNorm.trim() === '' ? null : Number(form.clipNorm)
  if (clipNorm !== null && !(clipNorm > 0)) {
    errors.clipNorm = 'gradient clipping: a global norm > 0, e.g. 1, or blank for none'
  }
  if (!(form.etaStart >= 0 && form.etaStart <= 1)) errors.etaStart = 'η start must be in [0, 1]'
  if (!(form.etaDecay >= 0)) errors.etaDecay = 'η decay must be ≥ 0'
  if (form.sampling === 'reverse') {
    if (!(Number.isInteger(form.reverseSamplingStart) && form.reverseSamplingStart >= 0)) {
      errors.reverseSamplingStart = 'ramp start: a whole number of iterations ≥ 0'
    }
    if (!(form.reverseSamplingEnd > form.reverseSamplingStart)) {
      errors.reverseSamplingEnd = `ramp end: an iteration after the start (${form.reverseSamplingStart})`
    }
    if (!(form.reverseSamplingAlpha > 0)) errors.reverseSamplingAlpha = 'α must be > 0'
  }
  if (form.cell === 'predrnnv2' && !(form.decoupleWeight >= 0)) {
    errors.decoupleWeight = 'β must be ≥ 0'
  }
  if (!isRecurrentCell(form.cell) && !(form.ddrWeight >= 0)) {
    errors.ddrWeight = 'α must be ≥ 0'
  }
  if (!Number.isInteger(form.seed)) errors.seed = 'seed must be a whole number'

  if (form.kind === 'finetune' && form.sourceRunIds.length !== 1) {
    errors.sourceRunIds = 'a finetune starts from exactly one source run'
  }
  const model = modelOf(form)
  if (form.kind === 'tmu') {
    if (form.sourceRunIds.length < 1)
      errors.sourceRunIds = 'a TMU run needs at least one source run'
    if (!model && !errors.hidden) {
      errors.tmuLayers = `list layer numbers from 1 to ${form.layers}, e.g. "1"`
    }
    if (!(form.distillWeight >= 0)) errors.distillWeight = 'λ must be ≥ 0'
  }
  if (Object.keys(errors).length || !model) return { errors, input: null }

  const input = {
    // None chosen: the server files it in the default experiment.
    ...(form.experimentId === null ? {} : { experimentId: form.experimentId }),
    name: form.name.trim(),
    kind: form.kind,
    datasetId: form.datasetId!,
    sourceRunIds: form.kind === 'finetune' || form.kind === 'tmu' ? form.sourceRunIds : [],
    config: {
      model,
      train: {
        inputFrames: form.inputFrames,
        outputFrames: form.outputFrames,
        iterations: form.iterations,
        batchSize: form.batchSize,
        learningRate: form.learningRate,
        lrSchedule: form.lrSchedule,
        lrStepEvery: form.lrStepEvery,
        lrStepFactor: form.lrStepFactor,
        clipNorm,
        evalEvery: form.evalEvery,
        checkpointEvery: form.checkpointEvery,
        seed: form.seed,
        reverseInput: form.reverseInput,
        etaStart: form.etaStart,
        etaDecay: form.etaDecay,
        sampling: form.sampling,
        reverseSamplingStart: form.reverseSamplingStart,
        reverseSamplingEnd: form.reverseSamplingEnd,
        reverseSamplingAlpha: form.reverseSamplingAlpha,
        decoupleWeight: form.decoupleWeight,
        // A recurrent model has no DDR term, and the form hides its field then.
        ddrWeight: isRecurrentCell(form.cell) ? 0 : form.ddrWeight,
        distillWeight: form.distillWeight,
        sourceInput: form.sourceInput,
      },
      backend: form.backend,
    },
  }
  const parsed = CreateRunInput.safeParse(input)
  // SimVP and TAU refuse what only recurrent models have (docs/method.md §2.10), said beside the backbone.
  const conflicts = parsed.success
    ? modelKindConflicts(parsed.data.config.model, parsed.data.config.train)
    : []
  if (conflicts.length) return { errors: { ...errors, cell: conflicts.join('; ') }, input: null }
  if (parsed.success) return { errors, input }
  for (const issue of parsed.error.issues) {
    const leaf = issue.path.at(-1)
    const field = typeof leaf === 'string' && leaf in form ? (leaf as keyof RunForm) : 'form'
    // Beside its field a message needs no name; on the form it names the setting.
    errors[field] ??= field === 'form' ? `${issue.path.join('.')} ${issue.message}` : issue.message
  }
  return { errors, input: null }
}

/** What `zoo.check` needs to judge a TMU run's sources live; null until there is something to judge. */
export function sourceCheckOf(form: RunForm): Input<'zoo.check'> | null {
  if (form.kind !== 'tmu' || form.sourceRunIds.length === 0) return null
  const model = modelOf(form)
  return model ? { model, sourceRunIds: form.sourceRunIds } : null
}
