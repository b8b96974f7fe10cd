import { z } from 'zod'
import { DatasetId, SplitName, ClipFrames, ImportFormat, ImportOptions } from './datasets'
import { ExperimentId } from './experiments'
import { BackendPreference } from '../../domain/backends'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { Executor, RunId, RunKind, RunStatus } from '../../domain/runs'

/** What a run was asked to do; stored as the run's config and shown in diffs. */
export const RunConfig = z.object({
  model: ModelConfig,
  train: TrainConfig,
  backend: BackendPreference.default('auto'),
  validationClips: z.number().int().min(1).default(64),
  testClips: z.number().int().min(1).nullable().default(null),
})
export type RunConfig = z.infer<typeof RunConfig>

export const Run = z.object({
  id: RunId,
  experimentId: ExperimentId,
  name: z.string(),
  kind: RunKind,
  config: RunConfig,
  status: RunStatus,
  /** The backend that ran it (null until it starts). */
  backend: z.string().nullable(),
  datasetId: DatasetId.nullable(),
  datasetName: z.string().nullable(),
  iteration: z.number().int(),
  error: z.string().nullable(),
  notes: z.string(),
  tags: z.array(z.string()),
  /** Kept with its results, out of the default lists. */
  archived: z.boolean(),
  /** Source runs: the finetune's initialisation, or the TMU's zoo members, in order. */
  sourceRunIds: z.array(RunId),
  lastLoss: z.number().nullable(),
  /** Test-set means from the final evaluation (null until it ran). */
  test: z
    .object({
      mse: z.number().nullable(),
      mae: z.number().nullable(),
      ssim: z.number().nullable(),
      psnr: z.number().nullable(),
      /** Test clips predicted with a NaN or ±Inf (absent before the count was kept). */
      nonFiniteClips: z.number().int().optional(),
      /** The test rollouts' seconds per clip and frames predicted (absent before it was kept). */
      inference: z.object({ secondsPerClip: z.number(), frames: z.number().int() }).optional(),
    })
    .nullable(),
  /** Size and work of the network its config describes (ml/model-footprint.ts). */
  footprint: z.object({
    parameters: z.number().int(),
    /** Convolution GFLOP of one clip's rollout, Tin → Tout, as the test predicts it. */
    gflopPerClip: z.number(),
  }),
  createdAt: z.string(),
  /** Of the latest attempt: a resume starts a new one. */
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Training time of all finished attempts; add now − startedAt while one is going. */
  trainedSeconds: z.number(),
  /** Where its latest job ran: this machine, or Slurm (job id, node, partition). */
  executor: Executor,
  slurmJobId: z.string().nullable(),
  /** The host that trained it (null until a job started). */
  node: z.string().nullable(),
  partition: z.string().nullable(),
})
export type Run = z.infer<typeof Run>

export const CreateRunInput = z.object({
  /** Absent: the default experiment (DEFAULT_EXPERIMENT_NAME), created on first use. */
  experimentId: ExperimentId.optional(),
  name: z.string().trim().min(1).max(200),
  kind: RunKind,
  datasetId: DatasetId,
  config: RunConfig,
  sourceRunIds: z.array(RunId).default([]),
  /** Queue it at once (default) or leave it to be started later. */
  start: z.boolean().default(true),
})

export const UpdateRunInput = z.object({
  id: RunId,
  name: z.string().trim().min(1).max(200).optional(),
  notes: z.string().max(20_000).optional(),
  tags: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  archived: z.boolean().optional(),
})

export const RunLogLine = z.object({
  runId: RunId,
  time: z.string(),
  level: z.enum(['info', 'warn', 'error']),
  text: z.string(),
})
export type RunLogLine = z.infer<typeof RunLogLine>

export const RunControlInput = z.object({
  id: RunId,
  action: z.enum(['pause', 'resume', 'cancel', 'restart']),
})

/** Statuses a run can be trained again from on another backend (`runs.restart`). */
export const RESTARTABLE_STATUSES: readonly RunStatus[] = ['failed', 'cancelled', 'interrupted']

export const RestartRunInput = z.object({
  id: RunId,
  /** Recorded as the run's `config.backend`, so later resumes keep it. */
  backend: BackendPreference,
})

/** Series by name (`train/loss`, `val/mse`, `test/ssim`, …): [iteration, value] pairs. */
export const RunMetrics = z.record(
  z.string(),
  z.array(z.tuple([z.number().int(), z.number().nullable()])),
)
export type RunMetrics = z.infer<typeof RunMetrics>

const PerFrame = z.array(z.number().nullable())
export const EvaluationSummary = z.object({
  split: SplitName,
  iteration: z.number().int(),
  clips: z.number().int(),
  mse: PerFrame,
  mae: PerFrame,
  ssim: PerFrame,
  psnr: PerFrame,
  meanMse: z.number().nullable(),
  meanMae: z.number().nullable(),
  meanSsim: z.number().nullable(),
  meanPsnr: z.number().nullable(),
  /**
   * Per lead time, the clips whose prediction held a NaN or ±Inf: their scores there are NaN,
   * which JSON carries as null (as it does PSNR's Infinity), so this says which nulls are NaN.
   * Empty and 0 for evaluations recorded before the count was kept.
   */
  nonFinite: z.array(z.number().int()).default([]),
  /** Clips with a NaN or ±Inf anywhere in their prediction: the model diverged. */
  nonFiniteClips: z.number().int().default(0),
  perClip: z.array(z.object({ mse: PerFrame, mae: PerFrame, ssim: PerFrame, psnr: PerFrame })),
  /**
   * Test only: lead times past the trained horizon, T_out + 1 … up to 3·T_out where the clips
   * hold them (docs/method.md §5.2), scored as above, per lead time. The means, `perClip` and
   * the predictions saved cover the trained lead times alone. Null or absent: none scored.
   */
  beyond: z
    .object({
      mse: PerFrame,
      mae: PerFrame,
      ssim: PerFrame,
      psnr: PerFrame,
      nonFinite: z.array(z.number().int()),
    })
    .nullable()
    .optional(),
  /**
   * Seconds of the rollouts per clip (`frames` predicted, read back; scoring not counted), on
   * the run's backend. Absent for evaluations recorded before it was kept.
   */
  inference: z.object({ secondsPerClip: z.number(), frames: z.number().int() }).optional(),
})
export type EvaluationSummary = z.infer<typeof EvaluationSummary>

export const PredictionClip = ClipFrames.extend({
  /** Input frames the model saw before these predictions (the truth clip shows them). */
  inputFrames: z.number().int(),
  /** Position of the clip within the split. */
  clip: z.number().int(),
})
export type PredictionClip = z.infer<typeof PredictionClip>

/**
 * What a run kept of a few validation clips at each evaluation while it trained: the first
 * clips of the split, so every run on a dataset keeps the same ones (`runs.stepPrediction`).
 */
export const StepPredictions = z.object({
  /** `val`, or `test` for a dataset without a validation split (what validation scored). */
  split: SplitName,
  /** Positions within the split. */
  clips: z.array(z.number().int()),
  /** Iterations evaluated, ascending: the last is the latest. */
  iterations: z.array(z.number().int()),
  inputFrames: z.number().int(),
})
export type StepPredictions = z.infer<typeof StepPredictions>

/** Mean transfer gate of each source over one test clip (docs/method.md §3.10: who the target listens to). */
export const ClipGates = z.object({
  clip: z.number().int(),
  /** 1-based TMU layers, the first index of gateMean. */
  layers: z.array(z.number().int()),
  /** Source names in gate order (m = 1 … M). */
  sources: z.array(z.string()),
  /** gateMean[layer][m][t] over channels and pixels, t = step 1 … T−1. */
  gateMean: z.array(z.array(z.array(z.number()))),
})
export type ClipGates = z.infer<typeof ClipGates>

/**
 * A TMU target's internals in space over one test clip (docs/method.md §3.10), frame-locked with
 * its predictions: per TMU layer and lead time t+1 … t+Tout, at the network's patch resolution.
 */
export const ClipTmuMaps = z.object({
  clip: z.number().int(),
  /** 1-based TMU layers, the first index of the maps. */
  layers: z.array(z.number().int()),
  /** Source names in gate order (m = 1 … M). */
  sources: z.array(z.string()),
  leadTimes: z.number().int().positive(),
  /** h × w: the frame's size over the patch size. */
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  /**
   * float32 little-endian [layer][lead time][plane][y][x], planes T_1 … T_M (channel-mean
   * transfer gates), |D_1 − C̃| … |D_M − C̃| (channel-mean), |C| (channel-mean carried memory).
   */
  mapsBase64: z.string(),
})
export type ClipTmuMaps = z.infer<typeof ClipTmuMaps>

/** Most frames one prediction rolls out: 3× the paper's 10 → 10, with room to spare. */
export const MAX_PREDICT_HORIZON = 100

/** What a run predicts from: a clip of any dataset, or a file it has never seen. */
export const PredictSource = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('clip'),
    datasetId: DatasetId,
    split: SplitName,
    clip: z.number().int().min(0),
  }),
  z.object({
    kind: z.literal('file'),
    /** A .npy clip, a folder of frames or a video, inside an import root. */
    path: z.string().min(1).max(4096),
    format: ImportFormat.optional(),
    /** How to read it, as an import would (layout, frame stride, crop); its size is the run's. */
    options: ImportOptions.pick({ layout: true, frameStride: true, floatScale: true, crop: true })
      .partial()
      .default({}),
  }),
])

export const PredictInput = z.object({
  id: RunId,
  source: PredictSource,
  /** Frames to predict after the context; default the run's trained T_out. */
  horizon: z.number().int().min(1).max(MAX_PREDICT_HORIZON).optional(),
})

/** One prediction on new data: the context the run saw, the truth that followed, its guess. */
export const NewPrediction = z.object({
  /** In words: the file's name, or the dataset, split and clip. */
  source: z.string(),
  inputFrames: z.number().int(),
  horizon: z.number().int(),
  /** The trained T_out: lead times past it are extrapolation. */
  trainedFrames: z.number().int(),
  /** The checkpoint it came from, and where it ran. */
  iteration: z.number().int(),
  backend: z.string(),
  context: ClipFrames,
  /** The frames after the context the source holds (up to horizon); null where it holds none. */
  truth: ClipFrames.nullable(),
  prediction: ClipFrames,
  /** The folder it was saved in (context.npy, prediction.npy, prediction.json). */
  folder: z.string(),
})
export type NewPrediction = z.infer<typeof NewPrediction>
