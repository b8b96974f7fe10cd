import { z } from 'zod'
import { ExperimentId } from './experiments'
import { RunId, RunKind, RunStatus } from '../../domain/runs'

export const StudyScale = z.enum(['tiny', 'small', 'paper'])
export type StudyScale = z.infer<typeof StudyScale>

export const StudyState = z.object({
  experimentId: ExperimentId,
  scale: StudyScale,
  stage: z.enum(['datasets', 'sources', 'arms', 'done', 'failed']),
  message: z.string(),
})
export type StudyState = z.infer<typeof StudyState>

/** One arm of a study: its run and its test scores per lead time (docs/method.md §5). */
export const StudyArm = z.object({
  runId: RunId,
  name: z.string(),
  kind: RunKind,
  status: RunStatus,
  /** The backend that ran it last (null until it starts). */
  backend: z.string().nullable(),
  mse: z.array(z.number().nullable()),
  ssim: z.array(z.number().nullable()),
  meanMse: z.number().nullable(),
  meanSsim: z.number().nullable(),
  meanPsnr: z.number().nullable(),
})
export type StudyArm = z.infer<typeof StudyArm>

export const StudyResults = z.object({
  experimentId: ExperimentId,
  /** The target's arms (scratch, finetune, TMU); the sources are listed apart. */
  arms: z.array(StudyArm),
  sources: z.array(StudyArm),
})
export type StudyResults = z.infer<typeof StudyResults>
