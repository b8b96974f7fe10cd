import { z } from 'zod'
import {
  CreateExperimentInput,
  Experiment,
  ExperimentId,
  ListExperimentsInput,
  UpdateExperimentInput,
} from './experiments'
import {
  ClipFrames,
  Dataset,
  DatasetId,
  GenerateDatasetInput,
  ImportDatasetInput,
  ImportPreview,
  ImportSource,
  SplitName,
} from './datasets'
import { BackendPreference } from '../../domain/backends'
import { RunId, RunProgress } from '../../domain/runs'
import {
  ClipGates,
  ClipTmuMaps,
  CreateRunInput,
  EvaluationSummary,
  NewPrediction,
  PredictInput,
  PredictionClip,
  Run,
  RunConfig,
  RestartRunInput,
  RunControlInput,
  RunLogLine,
  RunMetrics,
  StepPredictions,
  UpdateRunInput,
} from './runs'
import { DoctorReport, SystemInfo } from './system'
import { UpdateSettingsInput, WorkspaceSettings } from './settings'
import { ActiveJob, ReorderJobInput, RunUsage } from './jobs'
import {
  CreateStudyInput,
  ExtendStudyInput,
  FlyingDigitsInput,
  StudyReport,
  StudyResults,
  StudyState,
} from './studies'
import {
  AddToZooInput,
  BuiltInZooEntry,
  CheckSourcesInput,
  ImportZooModelInput,
  SourceCheck,
  ZooModel,
} from './zoo'

export interface MethodSpec {
  input: z.ZodType
  output: z.ZodType
  /** Calls that do bulk work in one go say how long a client should wait for them. */
  timeoutMs?: number
}

/** Importing or generating a large dataset is one call; minutes, not the usual seconds. */
const BULK_TIMEOUT_MS = 30 * 60_000

const Empty = z.object({})

/** Every request the workbench answers, by name; both transports and the CLI go through it. */
export const methods = {
  'system.info': { input: Empty, output: SystemInfo },
  'system.doctor': { input: Empty, output: DoctorReport },
  'settings.get': { input: Empty, output: WorkspaceSettings },
  /** Writes the settings named; returns them all. */
  'settings.update': { input: UpdateSettingsInput, output: WorkspaceSettings },
  'experiments.list': { input: ListExperimentsInput, output: z.array(Experiment) },
  'experiments.get': { input: z.object({ id: ExperimentId }), output: Experiment },
  'experiments.create': { input: CreateExperimentInput, output: Experiment },
  'experiments.update': { input: UpdateExperimentInput, output: Experiment },
  'experiments.delete': { input: z.object({ id: ExperimentId }), output: z.null() },
  'experiments.restore': { input: z.object({ id: ExperimentId }), output: Experiment },
  'datasets.list': { input: Empty, output: z.array(Dataset) },
  'datasets.generate': { input: GenerateDatasetInput, output: Dataset, timeoutMs: BULK_TIMEOUT_MS },
  'datasets.preview': { input: ImportSource, output: ImportPreview },
  'datasets.import': { input: ImportDatasetInput, output: Dataset, timeoutMs: BULK_TIMEOUT_MS },
  'datasets.delete': { input: z.object({ id: DatasetId }), output: z.null() },
  'datasets.clip': {
    input: z.object({ id: DatasetId, split: SplitName, clip: z.number().int().min(0) }),
    output: ClipFrames,
  },
  'runs.list': { input: z.object({ experimentId: ExperimentId.optional() }), output: z.array(Run) },
  'runs.get': { input: z.object({ id: RunId }), output: Run },
  'runs.create': { input: CreateRunInput, output: Run },
  'runs.update': { input: UpdateRunInput, output: Run },
  'runs.control': { input: RunControlInput, output: Run },
  /**
   * Trains a failed, cancelled or interrupted run again on the backend named (recorded with the
   * run); it continues from its last good checkpoint, or from the start if it has none.
   */
  'runs.restart': { input: RestartRunInput, output: Run },
  'runs.delete': { input: z.object({ id: RunId }), output: z.null() },
  /** Re-scores the test split with the run's latest checkpoint (queued like training). */
  'runs.evaluate': { input: z.object({ id: RunId }), output: Run },
  /** The run's log, newest 500 lines, oldest first (live lines arrive as `runs.log`). */
  'runs.logs': { input: z.object({ id: RunId }), output: z.array(RunLogLine) },
  'runs.metrics': { input: z.object({ id: RunId }), output: RunMetrics },
  'runs.evaluation': {
    input: z.object({ id: RunId, split: z.enum(['val', 'test']).default('test') }),
    output: EvaluationSummary.nullable(),
  },
  /**
   * Rolls the run's latest checkpoint out from a clip or file it has not seen, past its trained
   * horizon if asked, in a trainer process; saves it in the run's folder.
   */
  'runs.predict': { input: PredictInput, output: NewPrediction, timeoutMs: 10 * 60_000 },
  'runs.prediction': {
    input: z.object({ id: RunId, clip: z.number().int().min(0) }),
    output: PredictionClip,
  },
  /** The validation clips the run kept at each evaluation; null before its first one. */
  'runs.stepPredictions': { input: z.object({ id: RunId }), output: StepPredictions.nullable() },
  /** One kept clip's prediction at one evaluation (an iteration of `runs.stepPredictions`). */
  'runs.stepPrediction': {
    input: z.object({
      id: RunId,
      iteration: z.number().int().min(0),
      clip: z.number().int().min(0),
    }),
    output: PredictionClip,
  },
  /** Workspace bytes per run (its folder: checkpoints, predictions), newest run first. */
  'runs.usage': {
    input: z.object({ experimentId: ExperimentId.optional() }),
    output: z.array(RunUsage),
  },
  /** Running jobs, then the queue in the order it will start. */
  'jobs.list': { input: Empty, output: z.array(ActiveJob) },
  /** Moves a queued job; returns the new list. Cancel a job with `runs.control`. */
  'jobs.reorder': { input: ReorderJobInput, output: z.array(ActiveJob) },
  'runs.card': {
    input: z.object({ id: RunId, format: z.enum(['markdown', 'html']).default('markdown') }),
    output: z.object({ fileName: z.string(), content: z.string() }),
  },
  /**
   * The run's latest weights as a safetensors file in PyTorch layout ([out, in, kh, kw]
   * kernels), with its ModelConfig in the metadata (`tmu zoo import` reads it back).
   */
  'runs.export': {
    input: z.object({ id: RunId }),
    output: z.object({
      fileName: z.string(),
      iteration: z.number().int(),
      safetensorsBase64: z.string(),
    }),
  },
  /**
   * The compare player as an MP4 (H.264 through ffmpeg): the runs' predictions of one test clip
   * beside the truth, with the chosen heat maps, labelled as the GIF and PNG exports are.
   */
  /** Labelled frames drawn elsewhere (the CLI's predictions) as an H.264 MP4, through ffmpeg. */
  'media.encodeMp4': {
    input: z.object({
      fps: z.number().min(1).max(60),
      frames: z
        .array(
          z.object({
            width: z.number().int().min(1).max(8192),
            height: z.number().int().min(1).max(8192),
            rgbaBase64: z.string(),
          }),
        )
        .min(1)
        .max(2_000),
    }),
    output: z.object({ mp4Base64: z.string() }),
    timeoutMs: 5 * 60_000,
  },
  'runs.exportVideo': {
    input: z.object({
      runIds: z.array(RunId).min(1).max(8),
      clip: z.number().int().min(0),
      heat: z.object({ abs: z.boolean(), signed: z.boolean() }),
      zoom: z.number().int().min(1).max(8),
      fps: z.number().min(1).max(60),
    }),
    output: z.object({ fileName: z.string(), mp4Base64: z.string() }),
    timeoutMs: 5 * 60_000,
  },
  /** A rough time per iteration before starting (convolution FLOPs over typical backend speed), and the memory. */
  /** The sbatch script a new run would be submitted with; null when runs train locally. */
  'runs.batchScript': { input: Empty, output: z.string().nullable() },
  'runs.estimate': {
    input: z.object({ config: RunConfig, sourceRunIds: z.array(RunId).default([]) }),
    output: z
      .object({
        backend: z.string(),
        secondsPerIteration: z.number(),
        totalSeconds: z.number(),
        gflopPerIteration: z.number(),
        /** Training memory on that backend (ml/backend/memory.ts). */
        memory: z.object({
          neededBytes: z.number(),
          /** Why it cannot train there at all (not even one clip per micro-batch fits); null if it can. */
          refusal: z.string().nullable(),
          /** How the batch is split to fit, when it is; null when it runs whole. */
          note: z.string().nullable(),
        }),
      })
      .nullable(),
  },
  'runs.gates': {
    input: z.object({ id: RunId, clip: z.number().int().min(0) }),
    output: ClipGates,
  },
  /**
   * A TMU target's per-pixel gates, distiller departures and |C| over one test clip; null where
   * the run kept none: not a TMU target, evaluated before maps were kept, or a clip past the
   * first TMU_MAP_CLIPS.
   */
  'runs.tmuMaps': {
    input: z.object({ id: RunId, clip: z.number().int().min(0) }),
    output: ClipTmuMaps.nullable(),
  },
  /** Builds the paper's protocol from nothing (docs/method.md §4) and runs it in the background. */
  'studies.flyingDigits': {
    input: FlyingDigitsInput,
    output: StudyState,
    timeoutMs: BULK_TIMEOUT_MS,
  },
  /** A study from a plan of one's own: its datasets, zoo, arms and seeds. */
  'studies.create': { input: CreateStudyInput, output: StudyState },
  /** A study's stage as its record has it (null: no study of that id is known). */
  'studies.state': {
    input: z.object({ experimentId: ExperimentId }),
    output: StudyState.nullable(),
  },
  /** Goes on with a study that stopped (a restart, a failed run restarted by hand). */
  'studies.resume': { input: z.object({ experimentId: ExperimentId }), output: StudyState },
  /** More seeds or TMU variants for a study; trains only the runs it lacks. */
  'studies.extend': { input: ExtendStudyInput, output: StudyState },
  'studies.results': {
    input: z.object({ experimentId: ExperimentId }),
    output: StudyResults,
    timeoutMs: BULK_TIMEOUT_MS,
  },
  'studies.report': {
    input: z.object({ experimentId: ExperimentId }),
    output: StudyReport,
    timeoutMs: BULK_TIMEOUT_MS,
  },
  /** Trains one of a study's target arms again on another backend; the study waits for it. */
  'studies.restartArm': {
    input: z.object({ experimentId: ExperimentId, runId: RunId, backend: BackendPreference }),
    output: Run,
  },
  'zoo.list': { input: Empty, output: z.array(ZooModel) },
  'zoo.add': { input: AddToZooInput, output: ZooModel },
  'zoo.import': { input: ImportZooModelInput, output: ZooModel },
  'zoo.remove': { input: z.object({ runId: RunId }), output: z.null() },
  'zoo.check': { input: CheckSourcesInput, output: SourceCheck },
  /** The source models that ship with the workbench (resources/zoo), and which are added. */
  'zoo.builtIn': { input: Empty, output: z.array(BuiltInZooEntry) },
  /** Files a built-in model as a completed source run and names it in the zoo. */
  'zoo.addBuiltIn': { input: z.object({ name: z.string().min(1) }), output: ZooModel },
} satisfies Record<string, MethodSpec>

export type Method = keyof typeof methods
export type Input<M extends Method> = z.input<(typeof methods)[M]['input']>
export type ParsedInput<M extends Method> = z.output<(typeof methods)[M]['input']>
export type Output<M extends Method> = z.output<(typeof methods)[M]['output']>

/** Events the main side pushes to every connected client. */
export const events = {
  'experiments.changed': z.object({ id: ExperimentId.nullable() }),
  'datasets.changed': z.object({ id: DatasetId.nullable() }),
  'runs.changed': z.object({ id: RunId }),
  /** The queue's order changed (starts and ends of jobs come as runs.changed). */
  'jobs.changed': z.object({}),
  'zoo.changed': z.object({ runId: RunId }),
  'studies.changed': StudyState,
  'runs.progress': RunProgress,
  'runs.log': RunLogLine,
} satisfies Record<string, z.ZodType>

export type EventName = keyof typeof events
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export function isMethod(name: string): name is Method {
  return Object.hasOwn(methods, name)
}
