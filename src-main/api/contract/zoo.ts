import { z } from 'zod'
import { ModelConfig } from '../../domain/model'
import { RunId } from '../../domain/runs'
import { Run } from './runs'

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
