import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import {
  WorkbenchError,
  type ClipFrames,
  type Dataset,
  type ImportPreview,
  type ParsedInput,
} from '../api/contract'
import { DataError } from '../data/errors'
import { createFlyingDigitsStore } from '../data/flying-digits-store'
import { openFrameStore, type FrameStoreManifest } from '../data/frame-store'
import { detectImporter, importers, type ImporterName } from '../data/importers'
import type { DatasetsRepo } from '../store/datasets-repo'
import type { WorkspacePaths } from '../store/workspace'
import type { Emit } from './events'
import { resolveImportPath } from './import-roots'

/** The set a first launch starts with: standard 2-digit Flying Digits (Moving MNIST), small. */
export const BUILTIN_DATASET: ParsedInput<'datasets.generate'> = {
  name: 'Flying Digits · 2 digits',
  digitsPerClip: 2,
  canvasSize: 64,
  digitSize: 28,
  clipLength: 20,
  trainClips: 1000,
  valClips: 100,
  testClips: 100,
  speedMin: 2,
  speedMax: 5,
  bounce: true,
  seed: 0,
}

export interface DatasetsServiceOptions {
  /** Folders imports may read from now; a path elsewhere is refused (the API is reachable remotely). */
  importRoots: () => readonly string[]
}

export function createDatasetsService(
  repo: DatasetsRepo,
  paths: WorkspacePaths,
  emit: Emit,
  options: DatasetsServiceOptions,
) {
  function require(id: number) {
    const dataset = repo.get(id)
    if (!dataset) throw new WorkbenchError('not_found', `dataset ${id} does not exist`)
    return dataset
  }

  function register(
    name: string,
    origin: string,
    folder: string,
    manifest: FrameStoreManifest,
  ): Dataset {
    const { T, H, W, C } = manifest.shape
    return repo.insert({
      name,
      origin,
      folder,
      shape: manifest.shape,
      splits: {
        train: manifest.splits.train.length,
        val: manifest.splits.val.length,
        test: manifest.splits.test.length,
      },
      clipCount: manifest.clipCount,
      bytes: manifest.clipCount * T * H * W * C,
      contentSha256: manifest.contentSha256,
      provenance: manifest.provenance as unknown as Record<string, unknown>,
    })
  }

  function generate(input: ParsedInput<'datasets.generate'>, origin = 'generated'): Dataset {
    if (repo.findByName(input.name)) {
      throw new WorkbenchError('conflict', `a dataset named "${input.name}" already exists`)
    }
    if (input.speedMin > input.speedMax) {
      throw new WorkbenchError('invalid_input', 'speedMin must not exceed speedMax')
    }
    if (input.digitSize > input.canvasSize) {
      throw new WorkbenchError(
        'invalid_input',
        `digits of ${input.digitSize} px do not fit a ${input.canvasSize} px canvas`,
      )
    }
    const folder = `${slug(input.name)}-${randomBytes(3).toString('hex')}`
    const manifest = createFlyingDigitsStore(join(paths.datasets, folder), {
      trainClips: input.trainClips,
      valClips: input.valClips,
      testClips: input.testClips,
      digitsPerClip: input.digitsPerClip,
      canvasSize: input.canvasSize,
      digitSize: input.digitSize,
      clipLength: input.clipLength,
      speedRange: [input.speedMin, input.speedMax],
      bounce: input.bounce,
      seed: input.seed,
    })
    try {
      const dataset = register(input.name, origin, folder, manifest)
      emit('datasets.changed', { id: dataset.id })
      return dataset
    } catch (error) {
      // The database refused it: the folder must not outlive the failed registration.
      rmSync(join(paths.datasets, folder), { recursive: true, force: true })
      throw error
    }
  }

  async function importerFor(source: ParsedInput<'datasets.preview'>) {
    const path = resolveImportPath(source.path, options.importRoots())
    const format: ImporterName = source.format ?? (await asInputError(detectImporter(path)))
    // Each importer takes the common options plus its own; unknown keys are ignored.
    const importer = importers[format] as (typeof importers)['npy']
    return { path, format, importer }
  }

  return {
    list: (): Dataset[] => repo.list(),
    async preview(source: ParsedInput<'datasets.preview'>): Promise<ImportPreview> {
      const { path, format, importer } = await importerFor(source)
      const preview = await asInputError(importer.preview(path, source.options))
      const [T, H, W, C] = preview.sampleShape
      return {
        format,
        dtype: preview.dtype,
        sourceShape: preview.sourceShape,
        layout: preview.layout,
        valueRange: preview.valueRange,
        sequenceCount: preview.sequenceCount,
        clipShape: preview.clipShape,
        clipCount: preview.clipCount,
        layoutAlternatives: preview.layoutAlternatives ?? [],
        sample: {
          shape: [T, H, W, C],
          framesBase64: Buffer.from(preview.sampleFramesTHWC).toString('base64'),
        },
      }
    },
    async import(input: ParsedInput<'datasets.import'>): Promise<Dataset> {
      if (repo.findByName(input.name)) {
        throw new WorkbenchError('conflict', `a dataset named "${input.name}" already exists`)
      }
      const { path, format, importer } = await importerFor(input)
      const folder = `${slug(input.name)}-${randomBytes(3).toString('hex')}`
      const dir = join(paths.datasets, folder)
      const manifest = await asInputError(importer.importTo(path, dir, input.options))
      try {
        const dataset = register(input.name, format, folder, manifest)
        emit('datasets.changed', { id: dataset.id })
        return dataset
      } catch (error) {
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
    },
    get: require,
    dir: (id: number) => join(paths.datasets, require(id).folder),
    generate,
    /** On a workspace without datasets, generates the built-in default so a first launch can train. */
    ensureBuiltin() {
      if (repo.list().length === 0) generate(BUILTIN_DATASET, 'builtin')
    },
    delete(id: number): null {
      const dataset = require(id)
      if (dataset.runCount > 0) {
        throw new WorkbenchError(
          'conflict',
          `dataset "${dataset.name}" is used by ${dataset.runCount} run(s); delete those runs first`,
        )
      }
      repo.delete(id)
      rmSync(join(paths.datasets, dataset.folder), { recursive: true, force: true })
      emit('datasets.changed', { id })
      return null
    },
    async clip({ id, split, clip }: ParsedInput<'datasets.clip'>): Promise<ClipFrames> {
      const dataset = require(id)
      const store = openStore(join(paths.datasets, dataset.folder))
      try {
        if (clip >= store.splitSize(split)) {
          throw new WorkbenchError(
            'not_found',
            `dataset "${dataset.name}" has ${store.splitSize(split)} ${split} clips; there is no clip ${clip}`,
          )
        }
        const frames = await store.readClips(split, [clip])
        const { T, H, W, C } = store.manifest.shape
        return { shape: [T, H, W, C], framesBase64: Buffer.from(frames).toString('base64') }
      } finally {
        await store.close()
      }
    },
  }
}

export type DatasetsService = ReturnType<typeof createDatasetsService>

/** Bad input files are the caller's problem to fix: say so with the importer's message. */
async function asInputError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work
  } catch (error) {
    if (error instanceof DataError || error instanceof RangeError) {
      throw new WorkbenchError('invalid_input', error.message)
    }
    throw error
  }
}

function openStore(dir: string) {
  try {
    return openFrameStore(dir)
  } catch (error) {
    if (error instanceof DataError) throw new WorkbenchError('internal', error.message)
    throw error
  }
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'dataset'
  )
}
