import { z } from 'zod'

/**
 * Model and training configuration: the one definition shared by the trainer (ml/), the
 * services, the CLI and the renderer's forms. Defaults are the paper's (docs/method.md §2, §4)
 * except where a quick CPU preset overrides them.
 */

/**
 * Backbones: the recurrent ConvLSTM, PredRNN (ST-LSTM), PredRNN++ (Causal LSTM + GHU),
 * PredRNN-V2 (ST-LSTM trained with the memory-decoupling loss), MIM (memory in memory),
 * MAU (motion-aware unit) and E3D-LSTM (3-D convolutions over a window, docs/method.md
 * §2.12), and the non-recurrent SimVP (gSTA translator, docs/method.md
 * §2.10) and TAU (temporal attention unit, §2.11, SimVP's skeleton with another translator
 * block), which map the Tin context frames to the Tout future frames at once and hold no
 * memory state.
 */
export const CellKind = z.enum([
  'convlstm',
  'predrnn',
  'predrnnpp',
  'predrnnv2',
  'mim',
  'mau',
  'e3d',
  'simvp',
  'tau',
])
export type CellKind = z.infer<typeof CellKind>

/** The models on SimVP's skeleton (docs/method.md §2.10, §2.11): no memory, one pass per Tin. */
export type NonRecurrentCellKind = 'simvp' | 'tau'

/** The backbones that step a memory through time: every one the TMU can read or be. */
export type RecurrentCellKind = Exclude<CellKind, NonRecurrentCellKind>

export function isRecurrentCell(kind: CellKind): kind is RecurrentCellKind {
  return kind !== 'simvp' && kind !== 'tau'
}

/**
 * The backbones whose layers hand a spatiotemporal memory M on (the zig-zag of the PredRNN
 * family, docs/method.md §2.2, §2.6–§2.8), what `tmu.transferM` distils; ConvLSTM and MAU have none.
 */
export function hasSpatiotemporalMemory(kind: CellKind): boolean {
  return kind === 'predrnn' || kind === 'predrnnv2' || kind === 'predrnnpp' || kind === 'mim'
}

/** The recurrent backbones in CellKind's order: what a TMU target or source can be. */
export const RECURRENT_CELLS: readonly RecurrentCellKind[] =
  CellKind.options.filter(isRecurrentCell)

/** How the forms, the model card and messages name each backbone. */
export const CELL_LABELS: Record<CellKind, string> = {
  convlstm: 'ConvLSTM',
  predrnn: 'PredRNN (ST-LSTM)',
  predrnnpp: 'PredRNN++ (Causal LSTM + GHU)',
  predrnnv2: 'PredRNN-V2 (ST-LSTM, decoupled memories)',
  mim: 'MIM (memory in memory)',
  mau: 'MAU (motion-aware unit)',
  e3d: 'E3D-LSTM (eidetic 3-D LSTM)',
  simvp: 'SimVP (gSTA translator)',
  tau: 'TAU (temporal attention unit)',
}

/** A backbone's label with its article, as messages say it: "a ConvLSTM", "an E3D-LSTM (…)". */
export function aCell(kind: CellKind): string {
  const label = CELL_LABELS[kind]
  // Read letter by letter, "E3D" starts with a vowel sound; every other label a consonant.
  return `${/^[AEIOU]/.test(label) ? 'an' : 'a'} ${label}`
}

/**
 * MAU's own geometry (docs/method.md §2.9), OpenSTL's `sr_size` and `tau`: its cells run on
 * the patched grid reduced `srSize` times by stride-2 convolutions, and attend over the last
 * `tau` steps. Read through `mauOptionsOf`, so other backbones' configs carry nothing.
 */
export const MauOptions = z.object({
  /** A power of 2: log2(srSize) stride-2 encoder convolutions, as many transposed ones back. */
  srSize: z.number().int().min(1).default(4),
  tau: z.number().int().min(1).default(5),
})
export type MauOptions = z.infer<typeof MauOptions>

/** Whether stride-2 convolutions can reach a reduction: a power of 2. */
export function isMauSrSize(srSize: number): boolean {
  return Number.isInteger(srSize) && srSize >= 1 && 2 ** Math.round(Math.log2(srSize)) === srSize
}

/** log2(srSize): MAU's stride-2 encoder convolutions; refuses sizes they cannot reach. */
export function mauReductionSteps(srSize: number): number {
  if (!isMauSrSize(srSize)) throw new Error(`mau: srSize must be a power of 2, got ${srSize}`)
  return Math.round(Math.log2(srSize))
}

/** MAU's options of a config, OpenSTL's Moving MNIST defaults where it gives none. */
export function mauOptionsOf(model: Pick<ModelConfig, 'mau'>): MauOptions {
  return model.mau ?? MauOptions.parse({})
}

/**
 * E3D-LSTM's own options (docs/method.md §2.12). Its 3-D convolutions span the whole temporal
 * window (OpenSTL's window_length 2 with a (2, k, k) kernel, window_stride 1), so `window` is
 * both. `globalMemory`: `carried` is the paper's and the authors' TensorFlow release's (the new
 * M zig-zags on); `zero` is OpenSTL's PyTorch port, whose cell hands back the M it was given,
 * so M stays zero and conv_gm never learns. Read through `e3dOptionsOf`.
 */
export const E3dOptions = z.object({
  window: z.number().int().min(1).default(2),
  globalMemory: z.enum(['carried', 'zero']).default('carried'),
})
export type E3dOptions = z.infer<typeof E3dOptions>

/** E3D-LSTM's options of a config, OpenSTL's Moving MNIST ones where it gives none. */
export function e3dOptionsOf(model: Pick<ModelConfig, 'e3d'>): E3dOptions {
  return model.e3d ?? E3dOptions.parse({})
}

/**
 * SimVP's sizes (OpenSTL's `SimVP_Model` arguments; defaults: their Moving MNIST gSTA
 * configuration), which TAU shares (its Moving MNIST configuration has the same ones).
 * `hidden`, `kernelSize` and `layerNorm` are the recurrent stacks' and do not apply.
 */
export const SimVpOptions = z.object({
  /**
   * Tin, which the translator's width depends on (it reads the Tin latents stacked along
   * channels, OpenSTL's in_shape[0]); must equal the run's train.inputFrames.
   */
  inputFrames: z.number().int().min(1).default(10),
  /** hid_S: channels of the spatial encoder and decoder. */
  spatialChannels: z.number().int().min(1).default(64),
  /** hid_T: channels inside the translator. */
  translatorChannels: z.number().int().min(1).default(512),
  /** N_S: ConvSC blocks in the encoder (and decoder), every second one resampling by 2. */
  spatialBlocks: z.number().int().min(2).default(4),
  /** N_T: translator blocks (gSTA for SimVP, TAU's temporal attention blocks for TAU). */
  translatorBlocks: z.number().int().min(2).default(8),
  /** spatio_kernel_enc and spatio_kernel_dec: odd kernel sizes of the ConvSC blocks. */
  encoderKernel: z.number().int().min(1).default(3),
  decoderKernel: z.number().int().min(1).default(3),
  /** The MixMlp's hidden width over its input width (OpenSTL's mlp_ratio). */
  mlpRatio: z.number().int().min(2).default(8),
})
export type SimVpOptions = z.infer<typeof SimVpOptions>

/** TMU placement and options (docs/method.md §3.7); absent on ordinary (source / scratch) networks. */
export const TmuOptions = z.object({
  /** Number of source models M ≥ 1. */
  sources: z.number().int().min(1),
  /** 1-based layer indices that are TMU cells; the authors' release uses [1]. */
  layers: z.array(z.number().int().min(1)).min(1).default([1]),
  /** Independent sigmoid per source (default) or softmax across sources. */
  gate: z.enum(['sigmoid', 'softmax']).default('sigmoid'),
  /** Scale the carried memory by 1/(1+M) (default off). */
  rescaleMemory: z.boolean().default(false),
  /**
   * Source m (1-based, in the run's source order) whose weights start the target's shared
   * weights instead of a random draw (the `init-from-source` ablation, docs/method.md §3.6);
   * null: random, as the release.
   */
  initFromSource: z.number().int().min(1).nullable().default(null),
  /**
   * Distil each source's spatiotemporal memory M as well as its C (docs/method.md §3.2): only
   * for targets and sources whose cell has an M (`hasSpatiotemporalMemory`).
   */
  transferM: z.boolean().default(false),
})
export type TmuOptions = z.infer<typeof TmuOptions>

export const ModelConfig = z.object({
  cell: CellKind.default('convlstm'),
  /** Hidden channels of each stacked layer, bottom first (paper: 4 × 64). */
  hidden: z.array(z.number().int().min(1)).min(1).default([64, 64, 64, 64]),
  kernelSize: z.number().int().min(1).default(5),
  patchSize: z.number().int().min(1).default(4),
  imageHeight: z.number().int().min(1).default(64),
  imageWidth: z.number().int().min(1).default(64),
  channels: z.number().int().min(1).default(1),
  /** Layer normalisation over [channels, height, width] after each gate convolution. */
  layerNorm: z.boolean().default(false),
  /** MAU only (cell 'mau'): spatial reduction and attention window; absent: their defaults. */
  mau: MauOptions.optional(),
  /** E3D-LSTM only (cell 'e3d'): temporal window and global-memory flow; absent: defaults. */
  e3d: E3dOptions.optional(),
  tmu: TmuOptions.optional(),
  /** SimVP's sizes when `cell` is `simvp` or `tau` (absent: OpenSTL's Moving MNIST ones). */
  simvp: SimVpOptions.optional(),
})
export type ModelConfig = z.infer<typeof ModelConfig>

export const TrainConfig = z.object({
  inputFrames: z.number().int().min(1).default(10),
  outputFrames: z.number().int().min(1).default(10),
  batchSize: z.number().int().min(1).default(8),
  iterations: z.number().int().min(1).default(80_000),
  learningRate: z.number().positive().default(3e-4),
  /**
   * How the learning rate moves over training (docs/method.md §6.2): `constant` (the release),
   * `step` (× lrStepFactor every lrStepEvery iterations), or `cosine` (half a cosine from
   * learningRate down to 0 at the last iteration).
   */
  lrSchedule: z.enum(['constant', 'step', 'cosine']).default('constant'),
  lrStepEvery: z.number().int().min(1).default(20_000),
  lrStepFactor: z.number().positive().max(1).default(0.1),
  beta1: z.number().min(0).max(1).default(0.9),
  beta2: z.number().min(0).max(1).default(0.999),
  /** Global-norm gradient clipping; null = off. */
  clipNorm: z.number().positive().nullable().default(null),
  /** Scheduled sampling: η starts at etaStart and drops by etaDecay per iteration, floored at 0. */
  etaStart: z.number().min(0).max(1).default(1),
  etaDecay: z.number().min(0).default(2e-5),
  /**
   * `standard`: the context frames are always the truth and η above decides later steps.
   * `reverse` (PredRNN-V2's, docs/method.md §2.7): context steps 2 … Tin read the truth with
   * a probability r_η rising from 0.5 to 1, later steps with an η falling from 0.5 to 0,
   * both moving between reverseSamplingStart and reverseSamplingEnd.
   */
  sampling: z.enum(['standard', 'reverse']).default('standard'),
  reverseSamplingStart: z.number().int().min(0).default(25_000),
  reverseSamplingEnd: z.number().int().min(1).default(50_000),
  /** Time constant of r_η's exponential approach to 1, in iterations. */
  reverseSamplingAlpha: z.number().positive().default(5_000),
  /** PredRNN-V2 only: weight β of the memory-decoupling loss (the release's decouple_beta). */
  decoupleWeight: z.number().min(0).default(0.1),
  /**
   * SimVP and TAU only: weight α of TAU's differential divergence regularisation added to the
   * training loss (docs/method.md §2.11); 0 = plain MSE, OpenSTL's TAU uses 0.1.
   */
  ddrWeight: z.number().min(0).default(0),
  /** Train each batch a second time reversed in time. */
  reverseInput: z.boolean().default(true),
  evalEvery: z.number().int().min(1).default(5_000),
  checkpointEvery: z.number().int().min(1).default(5_000),
  /**
   * Checkpoints kept: the newest K, plus the best by validation MSE (older ones are pruned
   * after each write). Keep at least 2 so a damaged newest one can fall back to another.
   */
  keepCheckpoints: z.number().int().min(1).default(3),
  seed: z.number().int().default(0),
  /** TMU only: weight of the distillation loss (0 reproduces the authors' release). */
  distillWeight: z.number().min(0).default(0.1),
  /** TMU only: sources read the same sampling mask as the target, or always the truth. */
  sourceInput: z.enum(['mask', 'truth']).default('mask'),
})
export type TrainConfig = z.infer<typeof TrainConfig>

export type LrSchedule = TrainConfig['lrSchedule']

/**
 * The learning rate of 1-based `iteration`: a function of the iteration alone, so a resumed
 * run takes the same steps as an uninterrupted one.
 */
export function learningRateAt(
  train: Pick<
    TrainConfig,
    'learningRate' | 'lrSchedule' | 'lrStepEvery' | 'lrStepFactor' | 'iterations'
  >,
  iteration: number,
): number {
  const done = Math.max(0, iteration - 1)
  switch (train.lrSchedule) {
    case 'constant':
      return train.learningRate
    case 'step':
      return train.learningRate * train.lrStepFactor ** Math.floor(done / train.lrStepEvery)
    case 'cosine':
      return (train.learningRate * (1 + Math.cos((Math.PI * done) / train.iterations))) / 2
  }
}

/**
 * The η decay that brings scheduled sampling to 0 at 5/8 of training, the paper's shape
 * (η = 0 at iteration 50 000 of 80 000). With the default 2e-5, a run of a few hundred
 * iterations would never practise on its own guesses, so short runs take their decay here.
 */
export function etaDecayFor(iterations: number): number {
  return 1 / (0.625 * iterations)
}

/**
 * Reverse scheduled sampling's schedule for a run of `iterations`, the release's shape
 * (25 000, 50 000 and α = 5 000 of 80 000) scaled, as etaDecayFor scales η's.
 */
export function reverseSamplingFor(
  iterations: number,
): Pick<TrainConfig, 'reverseSamplingStart' | 'reverseSamplingEnd' | 'reverseSamplingAlpha'> {
  return {
    reverseSamplingStart: Math.round(iterations * (25 / 80)),
    reverseSamplingEnd: Math.max(1, Math.round(iterations * (50 / 80))),
    reverseSamplingAlpha: Math.max(1, iterations / 16),
  }
}

/** A model's size in a few characters: the stack's widths (64×64), or SimVP's hid_S/hid_T. */
export function modelSizeText(model: Pick<ModelConfig, 'cell' | 'hidden' | 'simvp'>): string {
  if (isRecurrentCell(model.cell)) return model.hidden.join('×')
  const { spatialChannels, translatorChannels } = SimVpOptions.parse(model.simvp ?? {})
  return `${spatialChannels}/${translatorChannels}`
}

/**
 * What a run asks of its kind of model that the kind does not have, in words. A
 * non-recurrent model (SimVP, TAU) reads whole true frames and predicts all Tout at once
 * (docs/method.md §2.10), so patches, scheduled and reverse sampling, reverse input and TMU
 * layers do not apply; a recurrent one has no place for TAU's DDR term (§2.11), which reads
 * the one-pass models' predicted sequence.
 */
export function modelKindConflicts(model: ModelConfig, train: TrainConfig): string[] {
  if (isRecurrentCell(model.cell)) {
    return train.ddrWeight > 0
      ? [
          `${CELL_LABELS[model.cell]} trains on its own objective: ddrWeight (TAU's DDR) applies to SimVP and TAU only, got ${train.ddrWeight}`,
        ]
      : []
  }
  const label = CELL_LABELS[model.cell]
  const problems: string[] = []
  if (model.patchSize !== 1) {
    problems.push(`${label} reads whole frames: patchSize must be 1, got ${model.patchSize}`)
  }
  const inputFrames = (model.simvp ?? SimVpOptions.parse({})).inputFrames
  if (inputFrames !== train.inputFrames) {
    problems.push(
      `${label}'s translator is sized for Tin = ${inputFrames} (simvp.inputFrames), the run has inputFrames ${train.inputFrames}`,
    )
  }
  if (model.tmu) problems.push(`${label} holds no memory state, so it cannot be a TMU target`)
  if (train.etaStart !== 0) {
    problems.push(
      `${label} reads only true context frames: scheduled sampling does not apply (etaStart must be 0)`,
    )
  }
  if (train.sampling !== 'standard') {
    problems.push(`${label} feeds back no guesses: reverse scheduled sampling does not apply`)
  }
  if (train.reverseInput) {
    problems.push(`${label} maps context to future once: reverse input does not apply`)
  }
  return problems
}
