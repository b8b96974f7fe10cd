import { z } from 'zod'
import { NPY_LAYOUTS } from '../../domain/import-files'

export { NPY_LAYOUTS, type NpyLayout } from '../../domain/import-files'

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

export const ImportFormat = z.enum(['npy', 'predrnn-npz', 'frame-folders', 'video'])

const SplitRule = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('ratio'),
    train: z.number().min(0),
    val: z.number().min(0),
    test: z.number().min(0),
    seed: z.number().int().default(0),
  }),
  /** Regular expressions on sequence names, e.g. KTH persons 01–16 train: `person(0[1-9]|1[0-6])_`. */
  z.object({
    kind: z.literal('pattern'),
    train: z.string(),
    val: z.string().optional(),
    test: z.string().optional(),
  }),
  z.object({ kind: z.literal('all'), split: SplitName }),
])

/** Pixels a side that an import may resize frames to: 64 to 256 are usual, 4096 is a 4K film. */
export const MAX_IMPORT_SIDE = 4096

export const ImportOptions = z.object({
  clipLength: z.number().int().min(2).optional(),
  clipStride: z.number().int().min(1).optional(),
  frameStride: z.number().int().min(1).optional(),
  /** At most MAX_IMPORT_SIDE a side: a typo of 100000 should be refused, not run out of memory. */
  resize: z
    .object({
      height: z.number().int().min(1).max(MAX_IMPORT_SIDE),
      width: z.number().int().min(1).max(MAX_IMPORT_SIDE),
    })
    .optional(),
  color: z.enum(['gray', 'rgb', 'keep']).optional(),
  split: SplitRule.optional(),
  /** .npy only: axis order, detected when absent. */
  layout: z.enum(NPY_LAYOUTS).optional(),
  /** Float arrays: values in [0, 1] (`unit`) or [0, 255] (`byte`), detected when absent. */
  floatScale: z.enum(['unit', 'byte']).optional(),
  /** Video only: applied before the resize, in source pixels. */
  crop: z
    .object({
      x: z.number().int().min(0),
      y: z.number().int().min(0),
      width: z.number().int().min(1),
      height: z.number().int().min(1),
    })
    .optional(),
})

export const ImportSource = z.object({
  /** A file or folder on the machine the workbench runs on, inside an allowed import root. */
  path: z.string().min(1).max(4096),
  /** Detected from the path when absent. */
  format: ImportFormat.optional(),
  options: ImportOptions.default({}),
})

export const ImportDatasetInput = ImportSource.extend({ name: z.string().trim().min(1).max(200) })

export const ImportPreview = z.object({
  format: ImportFormat,
  dtype: z.string(),
  sourceShape: z.array(z.number().int()),
  layout: z.string(),
  valueRange: z.object({ min: z.number(), max: z.number() }),
  sequenceCount: z.number().int(),
  clipShape: ClipShape,
  /** Clips the import stores with these options; null for video (counting means decoding it all). */
  clipCount: z.number().int().nullable(),
  /** Arrays: what each other axis order that fits the shape would give. */
  layoutAlternatives: z.array(
    z.object({
      layout: z.string(),
      sequenceCount: z.number().int(),
      framesPerSequence: z.number().int(),
      clipCount: z.number().int(),
    }),
  ),
  /** The first stored clip's frames after conversion (at most 40). */
  sample: ClipFrames,
})
export type ImportPreview = z.infer<typeof ImportPreview>
