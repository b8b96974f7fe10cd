import { z } from 'zod'
import { ModelConfig, TrainConfig } from '../domain/model'
import { BACKEND_ORDER, BackendPreference, type BackendAttempt } from '../domain/backends'
import { RunKind, RunProgress } from '../domain/runs'

/**
 * The messages between the job host (main side) and a trainer process. Versioned so that a
 * trainer from another build is refused instead of misread; validated on arrival both ways.
 */
export const TRAINER_PROTOCOL_VERSION = 1

export const TrainJobSpec = z.object({
  runId: z.number().int(),
  kind: RunKind,
  /** Folder of the run: checkpoints, predictions, evaluation files. */
  runDir: z.string(),
  /** Folder of the frame store to train and evaluate on. */
  datasetDir: z.string(),
  model: ModelConfig,
  train: TrainConfig,
  backend: BackendPreference,
  /** Continue from the latest complete checkpoint in runDir (if any). */
  resume: z.boolean(),
  /** Validation clips scored at each periodic evaluation. */
  validationClips: z.number().int().min(1),
  /** Test clips scored (and predictions saved) at the end; null = the whole split. */
  testClips: z.number().int().min(1).nullable(),
  /**
   * Finetuning: the source run's folder, whose newest checkpoint initialises the network.
   * Read when training starts, so a job filed while its source still trains (a Slurm job
   * held on it) starts from the source's final weights.
   */
  initFromRunDir: z.string().nullable().default(null),
  /** TMU targets: the frozen source runs (docs/method.md §3.1), in the order of the transfer gates. */
  sources: z.array(z.object({ name: z.string(), runDir: z.string() })).default([]),
  /** Only evaluate the latest checkpoint (no training). */
  evaluateOnly: z.boolean().default(false),
})
export type TrainJobSpec = z.infer<typeof TrainJobSpec>

export const HostMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), version: z.number().int(), spec: TrainJobSpec }),
  /** Write a checkpoint, then exit. */
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
])
export type HostMessage = z.infer<typeof HostMessage>

/** How one backend fared when loaded (the doctor's line for it). */
const Attempt = z.object({
  name: z.enum(BACKEND_ORDER),
  ok: z.boolean(),
  error: z.string().nullable(),
  note: z.string().optional(),
}) satisfies z.ZodType<BackendAttempt>

const MetricRow = z.object({
  iteration: z.number().int(),
  name: z.string(),
  value: z.number().nullable(),
})
export type MetricRow = z.infer<typeof MetricRow>

export const TrainerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    version: z.number().int(),
    backend: z.string(),
    backendReason: z.string(),
    iteration: z.number().int(),
    /** Said when resuming skipped damaged checkpoints, one line each. */
    notes: z.array(z.string()),
  }),
  // The run's progress as clients see it, less the run id the host adds.
  RunProgress.omit({ runId: true }).extend({ type: z.literal('progress') }),
  z.object({ type: z.literal('metrics'), rows: z.array(MetricRow) }),
  z.object({
    type: z.literal('checkpoint'),
    iteration: z.number().int(),
    folder: z.string(),
    /** It holds the best validation MSE so far (recorded in the run's best.json). */
    best: z.boolean().default(false),
    /** Older checkpoint folders removed by retention (keepCheckpoints). */
    pruned: z.array(z.string()).default([]),
  }),
  z.object({
    type: z.literal('evaluation'),
    split: z.enum(['val', 'test']),
    iteration: z.number().int(),
    summary: z.record(z.string(), z.unknown()),
  }),
  z.object({
    type: z.literal('finished'),
    iteration: z.number().int(),
    reason: z.enum(['completed', 'stopped']),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
  /**
   * A job away from the server says where it landed and which backends load there (the
   * doctor's report from the node), before each attempt (a requeued job makes another).
   */
  z.object({
    type: z.literal('node'),
    host: z.string(),
    slurmJobId: z.string().nullable(),
    /** Times the job was requeued before this attempt. */
    restarts: z.number().int(),
    attempts: z.array(Attempt),
  }),
])
export type TrainerMessage = z.infer<typeof TrainerMessage>

/** Started with this flag, a trainer process only probes the backends (`tmu doctor`). */
export const PROBE_FLAG = '--probe'

/**
 * Started with this flag and a job folder (jobs/job-files.ts), a trainer reads its spec from
 * there and speaks through files instead of IPC: a Slurm job's batch script starts it so.
 * With PROBE_FLAG too, it writes the node's backend report there and exits.
 */
export const JOB_DIR_FLAG = '--job-dir'

/** A file-mode trainer stopped by a signal (preemption, a time limit) exits with this code. */
export const EXIT_STOPPED_BY_SIGNAL = 75

/** A probing trainer's one message: each backend in the order `auto` tries them. */
export const ProbeReply = z.object({
  type: z.literal('probed'),
  attempts: z.array(Attempt),
})
export type ProbeReply = z.infer<typeof ProbeReply>

/**
 * Started with this flag, a trainer process predicts once (`runs.predict`): it takes one
 * PredictRequest over IPC, rolls the run's latest checkpoint out from the context frames it
 * holds, replies with one PredictReply and exits.
 */
export const PREDICT_FLAG = '--predict'

export const PredictRequest = z.object({
  type: z.literal('predict'),
  runDir: z.string(),
  model: ModelConfig,
  train: TrainConfig,
  backend: BackendPreference,
  /** The context, [inputFrames, H, W, C] uint8, base64. */
  contextBase64: z.string(),
  /** Frames to predict past the context (may exceed the trained outputFrames). */
  horizon: z.number().int().min(1),
})
export type PredictRequest = z.infer<typeof PredictRequest>

export const PredictReply = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('predicted'),
    backend: z.string(),
    /** The checkpoint's iteration. */
    iteration: z.number().int(),
    /** [horizon, H, W, C] uint8, base64. */
    predictionBase64: z.string(),
  }),
  z.object({ type: z.literal('failed'), message: z.string() }),
])
export type PredictReply = z.infer<typeof PredictReply>
