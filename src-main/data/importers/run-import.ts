import type { FrameStoreManifest } from '../frame-store'
import { createClipCutter, type ClipCutter } from './clip-cutter'
import { createSourceGuard, type SourceGuard } from './source-guard'
import { createSplitAssigner, DEFAULT_SPLIT } from './split-rule'
import type { ImportOptions, ResolvedImportOptions } from './types'

/** Fills in the options every importer shares. `naturalClipLength` is the source's own, if any. */
export function resolveImportOptions(
  options: ImportOptions,
  naturalClipLength = 20,
): ResolvedImportOptions {
  const clipLength = options.clipLength ?? naturalClipLength
  const resolved: ResolvedImportOptions = {
    clipLength,
    clipStride: options.clipStride ?? clipLength,
    frameStride: options.frameStride ?? 1,
    color: options.color ?? 'keep',
    split: options.split ?? DEFAULT_SPLIT,
    ...(options.resize ? { resize: options.resize } : {}),
  }
  for (const key of ['clipLength', 'clipStride', 'frameStride'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new RangeError(`import: ${key} must be a positive integer, got ${resolved[key]}`)
    }
  }
  const { resize } = resolved
  if (resize && !(Number.isInteger(resize.height) && Number.isInteger(resize.width))) {
    throw new RangeError('import: resize needs integer height and width')
  }
  if (resize && (resize.height < 1 || resize.width < 1)) {
    throw new RangeError('import: resize needs height and width ≥ 1')
  }
  return resolved
}

export interface ImportRun {
  importer: { name: string; version: string }
  source: string
  dir: string
  options: ResolvedImportOptions
  /** Extra settings to record (e.g. the detected layout), beside the common options. */
  detected?: object
  sequenceCount: number
  /** Pushes every sequence's frames into the cutter, tracking the files it reads. */
  feed(cutter: ClipCutter, guard: SourceGuard): Promise<void>
}

/**
 * The part every importer shares: split assignment, clip cutting, the changed-file check, and
 * removing everything written when anything fails.
 */
export async function runImport(run: ImportRun): Promise<FrameStoreManifest> {
  const guard = createSourceGuard()
  const assign = createSplitAssigner(run.options.split, run.sequenceCount)
  const cutter = createClipCutter(run.dir, run.source, run.options, assign)
  try {
    await run.feed(cutter, guard)
    await guard.verify()
    return cutter.finish({
      importer: run.importer,
      source: guard.summary(run.source),
      options: { ...run.options, ...run.detected },
    })
  } catch (error) {
    cutter.abort()
    throw error
  }
}
