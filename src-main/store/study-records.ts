import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/atomic-write'

/**
 * A study's record, one JSON file per study under the workspace's `studies/` folder: its plan,
 * its stage and which run trains which (member, seed). A file rather than a table because it
 * is read and written whole, by the one process that holds the workspace's job lock; the
 * atomic write leaves the old record or the new, never half of one. The services validate the
 * contents (this layer knows no contract types).
 */
export function createStudyRecords(root: string) {
  const dir = join(root, 'studies')
  const file = (experimentId: number) => join(dir, `${experimentId}.json`)
  return {
    read(experimentId: number): unknown {
      const path = file(experimentId)
      if (!existsSync(path)) return null
      try {
        return JSON.parse(readFileSync(path, 'utf8')) as unknown
      } catch (error) {
        throw new Error(`${path}: not a study record (${(error as Error).message})`)
      }
    },
    write(experimentId: number, record: unknown) {
      mkdirSync(dir, { recursive: true })
      writeFileAtomic(file(experimentId), JSON.stringify(record, null, 1))
    },
    path: file,
  }
}

export type StudyRecords = ReturnType<typeof createStudyRecords>
