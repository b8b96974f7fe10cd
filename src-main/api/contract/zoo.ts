import { z } from 'zod'
import { ModelConfig } from '../../domain/model'
import { RunId } from '../../domain/runs'
import { GenerateDatasetInput } from './datasets'
import { EvaluationSummary, Run } from './runs'

/** A source model: a completed run promoted to the zoo, with its provenance (the run). */
export const ZooModel = z.object({
  name: z.string(),
  addedAt: z.string(),
  run: Run,
})
export type ZooModel = z.infer<typeof ZooModel>

export const AddToZooInput = z.object({
  runId: RunId,
  name: z.string().trim().min(1).max(200),
})

/** Whether these zoo members can feed a TMU target of this shape; every problem listed. */
export const CheckSourcesInput = z.object({
  model: ModelConfig,
  sourceRunIds: z.array(RunId).min(1),
})
export const SourceCheck = z.object({ ok: z.boolean(), problems: z.array(z.string()) })

/** A source model from elsewhere (e.g. PyTorch): weights as safetensors plus its architecture. */
export const ImportZooModelInput = z.object({
  name: z.string().trim().min(1).max(200),
  /** A .safetensors file inside an import root. */
  path: z.string().min(1).max(4096),
  model: ModelConfig,
  /** `pytorch`: kernels [out, in, kh, kw] (e.g. `tmu export` or a PyTorch state_dict); `tfjs`: as stored here. */
  layout: z.enum(['pytorch', 'tfjs']).default('pytorch'),
})

/**
 * A source model that ships with the workbench (`resources/zoo/zoo.json`): trained by the
 * small study, with what it was trained on, how, and how it scored on its own test split.
 */
export const BuiltInZooModel = z.object({
  /** Its name in the zoo once added. */
  name: z.string().min(1),
  /** The safetensors file (PyTorch layout) beside the manifest. */
  file: z.string().regex(/^[\w.-]+\.safetensors$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().positive(),
  model: ModelConfig,
  description: z.string(),
  /** How to generate the data it was trained on, and the data a TMU target of it trains on. */
  trainedOn: GenerateDatasetInput,
  fitsTarget: GenerateDatasetInput,
  training: z.object({
    study: z.string(),
    iterations: z.number().int(),
    batchSize: z.number().int(),
    learningRate: z.number(),
    backend: z.string(),
    seconds: z.number(),
    machine: z.string(),
    workbenchVersion: z.string(),
    trainedAt: z.string(),
  }),
  /** The final test evaluation on its own data's test split, as the study recorded it. */
  test: EvaluationSummary,
})
export type BuiltInZooModel = z.infer<typeof BuiltInZooModel>

export const BuiltInZooManifest = z.object({
  formatVersion: z.literal(1),
  models: z.array(BuiltInZooModel).min(1),
})
export type BuiltInZooManifest = z.infer<typeof BuiltInZooManifest>

/** A built-in model as listed: the manifest's entry, and the zoo member it became, if any. */
export const BuiltInZooEntry = BuiltInZooModel.omit({ test: true }).extend({
  testMeans: z.object({
    mse: z.number().nullable(),
    ssim: z.number().nullable(),
    psnr: z.number().nullable(),
  }),
  /** The zoo member's run once added (a zoo member of this name), else null. */
  runId: RunId.nullable(),
})
export type BuiltInZooEntry = z.infer<typeof BuiltInZooEntry>
