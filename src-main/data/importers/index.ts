import { stat } from 'node:fs/promises'
import { DataError } from '../errors'
import { findFiles, hasExtension } from './sequence-files'
import { folderImporter } from './folder-importer'
import { npyImporter } from './npy-importer'
import { npzImporter } from './npz-importer'
import type { Importer } from './types'
import { VIDEO_EXTENSIONS } from '../../domain/import-files'
import { videoImporter } from './video-importer'

export const importers = {
  npy: npyImporter,
  'predrnn-npz': npzImporter,
  'frame-folders': folderImporter,
  video: videoImporter,
} as const satisfies Record<string, Importer<never>>

export type ImporterName = keyof typeof importers

/** Picks the importer for a path: by extension for files; a folder of videos or of frames. */
export async function detectImporter(path: string): Promise<ImporterName> {
  const info = await stat(path).catch((error: Error) => {
    throw new DataError(path, `cannot read (${error.message})`)
  })
  if (info.isFile()) {
    if (hasExtension(path, ['.npy'])) return 'npy'
    if (hasExtension(path, ['.npz'])) return 'predrnn-npz'
    if (hasExtension(path, VIDEO_EXTENSIONS)) return 'video'
    throw new DataError(path, 'unknown format (expected .npy, .npz, a video, or a folder)')
  }
  return (await findFiles(path, VIDEO_EXTENSIONS)).length > 0 ? 'video' : 'frame-folders'
}
