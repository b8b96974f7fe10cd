import { z } from 'zod'
import { ModelConfig, TrainConfig } from '../../domain/model'

/** Bumped when state.json or the file set changes meaning; readers refuse other versions. */
export const CHECKPOINT_FORMAT_VERSION = 1

/** state.json: everything besides tensors that resuming a run needs (architecture.md). */
export const CheckpointState = z.object({
  formatVersion: z.literal(CHECKPOINT_FORMAT_VERSION),
  /** Which network the weights belong to (e.g. `convlstm`, `predrnn`, a TMU target). */
  modelKind: z.string().min(1),
  /** Iterations completed when the checkpoint was taken. */
  iteration: z.number().int().min(0),
  /** Scheduled-sampling η at that iteration (docs/method.md §1.3). */
  eta: z.number().min(0).max(1),
  /** The trainer's random generator state, as its `getState()` returns it. */
  rng: z.json(),
  /** Where the data loader resumes (epoch, position, shuffle state: the loader's own form). */
  dataCursor: z.json(),
  config: z.object({ model: ModelConfig, train: TrainConfig }),
  /** Compute backend that trained up to here (recorded with each run, architecture.md). */
  backend: z.string().min(1),
})
export type CheckpointState = z.infer<typeof CheckpointState>
