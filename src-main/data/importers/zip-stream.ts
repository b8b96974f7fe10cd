import { open } from 'node:fs/promises'
import { Unzip, UnzipInflate } from 'fflate'
import { DataError } from '../errors'

/** Called with each decompressed piece of an entry; return false to stop reading the archive. */
export type EntryReader = (chunk: Uint8Array, final: boolean) => boolean | void

const READ_BYTES = 4 << 20

/**
 * Streams a zip archive (a .npz) from disk, handing the entries chosen by `pick` to their readers
 * piece by piece, so an entry larger than memory can be processed. Returns the names of all
 * entries met, and throws if a chosen entry ended before its last byte.
 */
export async function streamZipEntries(
  path: string,
  pick: (name: string) => EntryReader | undefined,
): Promise<string[]> {
  const names: string[] = []
  const unfinished = new Set<string>()
  let failure: unknown
  let stopped = false
  const unzip = new Unzip((file) => {
    names.push(file.name)
    const reader = pick(file.name)
    if (!reader) return
    unfinished.add(file.name)
    file.ondata = (error, chunk, final) => {
      if (stopped) return
      try {
        if (error) throw new DataError(path, `${file.name}: ${error.message}`)
        if (final) unfinished.delete(file.name)
        if (reader(chunk, final) === false) stopped = true
      } catch (caught) {
        failure ??= caught
        stopped = true
      }
    }
    file.start()
  })
  unzip.register(UnzipInflate)
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new DataError(path, `cannot open (${error.message})`)
  })
  try {
    const buffer = new Uint8Array(READ_BYTES)
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, READ_BYTES, null)
      try {
        unzip.push(buffer.slice(0, bytesRead), bytesRead === 0)
      } catch (error) {
        throw new DataError(path, `not a readable zip archive (${(error as Error).message})`)
      }
      if (failure) throw failure
      if (stopped || bytesRead === 0) break
    }
  } finally {
    await handle.close()
  }
  if (names.length === 0) throw new DataError(path, 'not a .npz (zip) archive, or empty')
  if (!stopped && unfinished.size > 0) {
    throw new DataError(path, `truncated archive: ${[...unfinished].join(', ')} ends early`)
  }
  return names
}
