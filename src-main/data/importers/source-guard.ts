import { stat } from 'node:fs/promises'
import { DataError } from '../errors'
import type { Provenance } from '../frame-store'

/**
 * Remembers size and modification time of every source file read, so an import can refuse a
 * file that changed under it (a download still running, a sync client) instead of storing a mix.
 */
export function createSourceGuard() {
  const seen = new Map<string, { size: number; mtimeMs: number }>()
  return {
    async track(path: string) {
      const { size, mtimeMs } = await stat(path)
      seen.set(path, { size, mtimeMs })
      return { size, mtimeMs }
    },
    async verify() {
      for (const [path, before] of seen) {
        const now = await stat(path).catch(() => undefined)
        if (now?.size !== before.size || now.mtimeMs !== before.mtimeMs) {
          throw new DataError(path, 'changed during import (size or modification time differs)')
        }
      }
    },
    /** Provenance of a source at `root` (a file, or a folder of the files tracked). */
    summary(root: string): NonNullable<Provenance['source']> {
      let bytes = 0
      let mtimeMs = 0
      for (const s of seen.values()) {
        bytes += s.size
        mtimeMs = Math.max(mtimeMs, s.mtimeMs)
      }
      return { path: root, bytes, mtimeMs, files: seen.size }
    },
  }
}

export type SourceGuard = ReturnType<typeof createSourceGuard>
