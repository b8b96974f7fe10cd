import type { ClipShape, FrameStoreManifest, SplitName } from '../frame-store'

/** How imported frames get their channels: 1 (`gray`), 3 (`rgb`), or as the source has them. */
export type ColorMode = 'gray' | 'rgb' | 'keep'

/**
 * Which split each source sequence (a clip of a .npy, a folder, a video) goes to. Splitting
 * whole sequences, never the clips cut from one, keeps near-duplicate clips out of the test set.
 */
export type SplitRule =
  | { kind: 'ratio'; train: number; val: number; test: number; seed: number }
  /** Regular expressions on the sequence name; each sequence must match exactly one. */
  | { kind: 'pattern'; train: string; val?: string; test?: string }
  | { kind: 'all'; split: SplitName }

export interface ImportOptions {
  /** Frames per stored clip; default: the source's own clip length, else 20. */
  clipLength?: number
  /** Frames between the starts of consecutive clips cut from one sequence; default clipLength. */
  clipStride?: number
  /** Keep every k-th frame of a sequence (applied before cutting clips). */
  frameStride?: number
  resize?: { height: number; width: number }
  color?: ColorMode
  /** Default: 80/10/10 by ratio with seed 0. */
  split?: SplitRule
}

export type ResolvedImportOptions = Required<Omit<ImportOptions, 'resize'>> &
  Pick<ImportOptions, 'resize'>

/** What a source holds and what importing it would store, read without importing. */
export interface ImportPreview {
  file: string
  format: string
  /** Element type in the source (`uint8`, `float32`, …; images and video are `uint8`). */
  dtype: string
  /** The source's own array shape, or [sequences, frames of the first, H, W, C]. */
  sourceShape: number[]
  /** Axis order read from the source, detected unless given. */
  layout: string
  /** Min and max of the sampled source values. */
  valueRange: { min: number; max: number }
  sequenceCount: number
  /** Shape of each stored clip with these options. */
  clipShape: ClipShape
  /** Clips the import would store with these options; null where counting means decoding it all. */
  clipCount: number | null
  /** Arrays only: what each other axis order that fits the shape would give. */
  layoutAlternatives?: LayoutAlternative[]
  /** The first frames of the first sequence after conversion, [t, H, W, C] uint8. */
  sampleFramesTHWC: Uint8Array
  sampleShape: [number, number, number, number]
}

export interface Importer<O extends ImportOptions = ImportOptions> {
  name: string
  version: string
  preview(path: string, options?: O): Promise<ImportPreview>
  /** Imports into a new frame store at `dir` (which must not exist); all or nothing. */
  importTo(path: string, dir: string, options?: O): Promise<FrameStoreManifest>
}

export interface LayoutAlternative {
  layout: string
  sequenceCount: number
  framesPerSequence: number
  clipCount: number
}

/** Most frames `preview` returns: a whole clip as a rule, bounded so it stays small to send. */
export const PREVIEW_MAX_FRAMES = 40

/**
 * Which frames of the first sequence make the preview's sample: those of the first clip the
 * import would store (frame stride applied), up to PREVIEW_MAX_FRAMES.
 */
export function previewFrameIndices(
  available: number,
  options: Pick<ResolvedImportOptions, 'clipLength' | 'frameStride'>,
): number[] {
  const count = Math.min(options.clipLength, PREVIEW_MAX_FRAMES)
  const indices: number[] = []
  for (let i = 0; i < available && indices.length < count; i += options.frameStride) indices.push(i)
  return indices
}
