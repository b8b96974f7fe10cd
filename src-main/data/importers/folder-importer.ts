import { readFile } from 'node:fs/promises'
import { DataError } from '../errors'
import { clipsInSequence, createFrameConverter, noClipsError } from './clip-cutter'
import { decodeImage, IMAGE_EXTENSIONS } from './decode-image'
import { resolveImportOptions, runImport } from './run-import'
import { findSequenceFolders, type SequenceFiles } from './sequence-files'
import { previewFrameIndices, type Importer } from './types'

/**
 * Folders of frames (PNG or JPEG): each folder holding images is one sequence, its frames in
 * natural file-name order (KTH-style trees: `person01_boxing_d1/0001.png`). Split rules by name
 * pattern match the folder's path relative to the root.
 */
export const folderImporter: Importer = {
  name: 'frame-folders',
  version: '1',

  async preview(path, options = {}) {
    const sequences = await listSequences(path)
    const first = sequences[0]!
    const resolved = resolveImportOptions(options)
    const clipCount = sequences.reduce((n, q) => n + clipsInSequence(q.files.length, resolved), 0)
    if (clipCount === 0) throw noClipsError(path, resolved.clipLength)
    const converter = createFrameConverter(resolved)
    let min = 255
    let max = 0
    const frames = await Promise.all(
      previewFrameIndices(first.files.length, resolved).map(async (i) => {
        const file = first.files[i]!
        const frame = decodeImage(file, await readImage(file))
        for (const v of frame.data) {
          if (v < min) min = v
          if (v > max) max = v
        }
        return frame
      }),
    )
    const converted = frames.map((f) => converter.convert(f))
    const size = converter.size!
    const sampleFramesTHWC = new Uint8Array(converted.length * converted[0]!.length)
    converted.forEach((f, i) => sampleFramesTHWC.set(f, i * f.length))
    const f0 = frames[0]!
    return {
      file: path,
      format: 'frame-folders',
      dtype: 'uint8',
      sourceShape: [sequences.length, first.files.length, f0.height, f0.width, f0.channels],
      layout: 'folder/frame',
      valueRange: { min, max },
      sequenceCount: sequences.length,
      clipShape: { T: resolved.clipLength, H: size.height, W: size.width, C: size.channels },
      clipCount,
      sampleFramesTHWC,
      sampleShape: [converted.length, size.height, size.width, size.channels],
    }
  },

  async importTo(path, dir, options = {}) {
    const sequences = await listSequences(path)
    return runImport({
      importer: { name: folderImporter.name, version: folderImporter.version },
      source: path,
      dir,
      options: resolveImportOptions(options),
      sequenceCount: sequences.length,
      async feed(cutter, guard) {
        for (const [index, sequence] of sequences.entries()) {
          cutter.beginSequence(index, sequence.name, sequence.files[0]!)
          for (const file of sequence.files) {
            await guard.track(file)
            cutter.pushFrame(decodeImage(file, await readImage(file)))
          }
        }
      },
    })
  },
}

async function listSequences(root: string): Promise<SequenceFiles[]> {
  const sequences = await findSequenceFolders(root, IMAGE_EXTENSIONS)
  if (sequences.length === 0) throw new DataError(root, 'no PNG or JPEG frames found')
  return sequences
}

function readImage(file: string): Promise<Uint8Array> {
  return readFile(file).catch((error: Error) => {
    throw new DataError(file, `cannot read (${error.message})`)
  })
}
