import { z } from 'zod'

export const DatasetId = z.number().int().positive()
export type DatasetId = z.infer<typeof DatasetId>

export const SplitName = z.enum(['train', 'val', 'test'])
export type SplitName = z.infer<typeof SplitName>

export const ClipShape = z.object({
  T: z.number().int(),
  H: z.number().int(),
  W: z.number().int(),
  C: z.number().int(),
})

export const Dataset = z.object({
  id: DatasetId,
  name: z.string(),
  /** `generated` (Flying Digits), `builtin` (the default set), or the importer's name. */
  origin: z.string(),
  shape: ClipShape,
  clipCount: z.number().int(),
  splits: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  bytes: z.number().int(),
  contentSha256: z.string(),
  provenance: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
  /** Runs that train or evaluate on it; a dataset in use cannot be deleted. */
  runCount: z.number().int(),
})
export type Dataset = z.infer<typeof Dataset>

export const GenerateDatasetInput = z.object({
  name: z.string().trim().min(1).max(200),
  digitsPerClip: z.number().int().min(1).max(10).default(2),
  canvasSize: z.number().int().min(8).max(512).default(64),
  digitSize: z.number().int().min(4).max(128).default(28),
  clipLength: z.number().int().min(2).max(200).default(20),
  trainClips: z.number().int().min(1).max(100_000).default(1000),
  valClips: z.number().int().min(0).max(100_000).default(100),
  testClips: z.number().int().min(1).max(100_000).default(100),
  speedMin: z.number().min(0).default(2),
  speedMax: z.number().min(0).default(5),
  bounce: z.boolean().default(true),
  seed: z.number().int().default(0),
})

/** One clip as bytes: uint8 [T, H, W, C], base64 (clips are small; bulk data never is). */
export const ClipFrames = z.object({
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  framesBase64: z.string(),
})
export type ClipFrames = z.infer<typeof ClipFrames>
