import { z } from 'zod'
import { DatasetId } from './datasets'
import { ExperimentId } from './experiments'
import { RunConfig } from './runs'
import { BackendPreference } from '../../domain/backends'
import { CellKind, isRecurrentCell, TmuOptions, TrainConfig } from '../../domain/model'
import { RunId, RunKind, RunStatus } from '../../domain/runs'

export const StudyScale = z.enum(['tiny', 'small', 'paper'])
export type StudyScale = z.infer<typeof StudyScale>

export const StudyStage = z.enum(['datasets', 'sources', 'arms', 'done', 'failed'])

export const StudyState = z.object({
  experimentId: ExperimentId,
  /** Null for a study built from a plan of one's own (`studies.create`). */
  scale: StudyScale.nullable(),
  stage: StudyStage,
  message: z.string(),
})
export type StudyState = z.infer<typeof StudyState>

/**
 * TMU variants a Flying Digits study can add as arms of their own (docs/studies.md): λ, the
 * gate, memory rescaling, what the sources read, one source instead of two, TMU at every layer,
 * the target's shared weights from a source instead of at random.
 */
export const StudyAblation = z.enum([
  'lambda-0',
  'lambda-0.01',
  'lambda-1',
  'softmax-gates',
  'rescaled-memory',
  'sources-read-truth',
  'one-source',
  'tmu-all-layers',
  'init-from-source',
])
export type StudyAblation = z.infer<typeof StudyAblation>

/** One arm of a plan: trained once per seed on the target, all on the same test clips. */
export const StudyArmPlan = z.object({
  /** Unique within the study: it names the arm's runs and keys them across resumes. */
  name: z.string().trim().min(1).max(120),
  kind: RunKind.exclude(['source']),
  /** Indices into the plan's sources: the finetune's initialisation, the TMU's zoo (in order). */
  sources: z.array(z.number().int().min(0)).default([]),
  /** TMU options other than the source count (which follows from `sources`). */
  tmu: TmuOptions.omit({ sources: true }).partial().default({}),
  train: TrainConfig.pick({ distillWeight: true, sourceInput: true }).partial().default({}),
  /** The arm this one is an ablation of: the report compares the two. */
  ablationOf: z.string().nullable().default(null),
})
export type StudyArmPlan = z.infer<typeof StudyArmPlan>

/** What a study trains; stored with it, so a restart or an extension can finish it. */
export const StudyPlan = z.object({
  scale: StudyScale.nullable().default(null),
  targetDatasetId: DatasetId,
  /**
   * The zoo: one source network per entry, trained on its dataset with `config`, on its own
   * backbone where `cell` says so (a zoo of architectures, docs/studies.md); a finetune from
   * it takes that backbone too.
   */
  sources: z.array(
    z.object({
      name: z.string().trim().min(1).max(120),
      datasetId: DatasetId,
      cell: CellKind.optional(),
    }),
  ),
  /** Every run's configuration; arms add their TMU and λ options to it. */
  config: RunConfig,
  /** Trainings per arm, seeded independently (docs/studies.md, "Seeds"). */
  seeds: z.number().int().min(1).max(50),
  /** Train each source once per seed (seed k's arms build on seed k's sources). */
  sourcesPerSeed: z.boolean().default(false),
  arms: z.array(StudyArmPlan).min(1),
})
export type StudyPlan = z.infer<typeof StudyPlan>

export const CreateStudyInput = z.object({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2_000).default(''),
  plan: StudyPlan,
})

/** A study's zoo and targets step a memory through time, which a TMU reads and carries. */
const RecurrentCell = CellKind.refine(isRecurrentCell, {
  message: 'SimVP and TAU hold no memory state: a study trains recurrent backbones',
})

export const FlyingDigitsInput = z.object({
  scale: StudyScale,
  backend: BackendPreference.default('auto'),
  /** Default: 2 at the tiny scale (CI runs it), 3 otherwise. */
  seeds: z.number().int().min(1).max(50).optional(),
  ablations: z.array(StudyAblation).default([]),
  sourcesPerSeed: z.boolean().default(false),
  /** The backbones of the 1- and 2-digit sources; default: the scale's (ConvLSTM). */
  sourceCells: z.array(RecurrentCell).length(2).optional(),
  /** The backbone of the scratch and TMU arms; default: the scale's (ConvLSTM). */
  targetCell: RecurrentCell.optional(),
})

/** Adds seeds or TMU variants to a study; only the runs that are missing then train. */
export const ExtendStudyInput = z.object({
  experimentId: ExperimentId,
  seeds: z.number().int().min(1).max(50).optional(),
  ablations: z.array(StudyAblation).default([]),
})

/** A point estimate and its 95 % interval (null where it cannot be computed). */
export const Interval = z.object({
  estimate: z.number().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
})
export type Interval = z.infer<typeof Interval>

export const StudyMetric = z.enum(['mse', 'mae', 'ssim', 'psnr'])
export type StudyMetric = z.infer<typeof StudyMetric>

const PerMetric = <T extends z.ZodType>(value: T) =>
  z.object({ mse: value, mae: value, ssim: value, psnr: value })

/** One training of an arm (or one source). */
export const StudyRun = z.object({
  runId: RunId,
  name: z.string(),
  seed: z.number().int(),
  status: RunStatus,
  backend: z.string().nullable(),
  iteration: z.number().int(),
  trainedSeconds: z.number(),
  meanMse: z.number().nullable(),
})
export type StudyRun = z.infer<typeof StudyRun>

/** One arm of a study: its seeds' runs and their test scores per lead time (docs/method.md §5). */
export const StudyArm = z.object({
  name: z.string(),
  kind: RunKind,
  ablationOf: z.string().nullable(),
  /** The first seed's run (the arm's link), and every seed's. */
  runId: RunId,
  runs: z.array(StudyRun),
  /** completed once every seed has; otherwise the first seed's status that is not. */
  status: RunStatus,
  /** The backends its seeds ran on, joined ("onednn"); null until one starts. */
  backend: z.string().nullable(),
  /** Iterations each seed trains, and training seconds summed over its seeds. */
  iterations: z.number().int(),
  wallSeconds: z.number(),
  /** Seeds scored on the test split so far (the statistics use these). */
  scoredSeeds: z.number().int(),
  /** Means over seeds per lead time, and of those over lead times. */
  mse: z.array(z.number().nullable()),
  ssim: z.array(z.number().nullable()),
  meanMse: z.number().nullable(),
  meanSsim: z.number().nullable(),
  meanPsnr: z.number().nullable(),
  /** 95 % t intervals over seeds: per lead time, and of the mean over lead times. */
  perFrame: PerMetric(z.array(Interval)),
  overall: PerMetric(Interval),
  /**
   * The same past the trained horizon, lead times T_out + 1 … (docs/method.md §5.2), over the
   * seeds scored there; empty where the test clips were too short for any.
   */
  beyond: PerMetric(z.array(Interval)),
  /**
   * Each seed's mean over those lead times, then over seeds with its 95 % t interval; the
   * estimate is null where none were scored.
   */
  beyondOverall: PerMetric(Interval),
})
export type StudyArm = z.infer<typeof StudyArm>

/** A − B on the same test clips, bootstrapped over clips and seeds, and what it says. */
export const StudyComparison = z.object({
  a: z.string(),
  b: z.string(),
  metric: StudyMetric,
  perFrame: z.array(Interval),
  mean: Interval,
  verdict: z.string(),
})
export type StudyComparison = z.infer<typeof StudyComparison>

export const StudyResults = z.object({
  experimentId: ExperimentId,
  name: z.string(),
  /** Null for a study filed before plans were stored (each run is then an arm of one seed). */
  plan: StudyPlan.nullable(),
  state: StudyState.nullable(),
  /** The target's arms (scratch, finetune, TMU, variants); the sources are listed apart. */
  arms: z.array(StudyArm),
  sources: z.array(StudyRun),
  /** Main arms pairwise (later − earlier) and each ablation against its base, on MSE and SSIM. */
  comparisons: z.array(StudyComparison),
  /** Test clips every arm was scored on. */
  testClips: z.number().int(),
})
export type StudyResults = z.infer<typeof StudyResults>

/** The exported report: self-contained HTML, Markdown, and the raw numbers. */
export const StudyReport = z.object({
  html: z.string(),
  markdown: z.string(),
  csv: z.string(),
  json: z.string(),
  /** The figures as standalone SVG: per-frame curves, gate usage, memory (the HTML has them inline). */
  figures: z.array(z.object({ name: z.string(), svg: z.string() })),
  /** The same figures as PNG, and the sample clips (the HTML has them inline). */
  images: z.array(z.object({ name: z.string(), pngBase64: z.string() })),
  /** File name stem ("study-12"). */
  stem: z.string(),
})
export type StudyReport = z.infer<typeof StudyReport>
