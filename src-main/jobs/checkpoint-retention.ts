import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { listCheckpoints } from '../ml/checkpoint/checkpoint-latest'
import { checkpointFolderName } from '../ml/checkpoint/checkpoint-layout'
import { writeFileAtomic } from '../util/atomic-write'

/** The run folder's record of its best checkpoint by validation score (lower is better). */
export const BEST_FILE = 'best.json'

export const BestCheckpoint = z.object({
  iteration: z.number().int(),
  folder: z.string(),
  metric: z.literal('val/mse'),
  value: z.number(),
})
export type BestCheckpoint = z.infer<typeof BestCheckpoint>

/**
 * The best checkpoint recorded in `runDir`, if it still exists and is not newer than the
 * iteration training resumes from (a fallback past a damaged checkpoint rewinds history).
 */
export function readBestCheckpoint(runDir: string, upTo: number): BestCheckpoint | null {
  let parsed
  try {
    parsed = BestCheckpoint.safeParse(JSON.parse(readFileSync(join(runDir, BEST_FILE), 'utf8')))
  } catch {
    return null // No record yet, or torn by a disk fault: the next best evaluation rewrites it.
  }
  if (!parsed.success) return null
  const best = parsed.data
  return best.iteration <= upTo && existsSync(join(runDir, best.folder)) ? best : null
}

export function writeBestCheckpoint(runDir: string, iteration: number, value: number) {
  const best: BestCheckpoint = {
    iteration,
    folder: checkpointFolderName(iteration),
    metric: 'val/mse',
    value,
  }
  writeFileAtomic(join(runDir, BEST_FILE), `${JSON.stringify(best, null, 2)}\n`)
}

/**
 * Removes checkpoints beyond the newest `keep` except the best; returns the removed names.
 * Each folder is first renamed to a hidden temporary (which the next checkpoint write clears
 * away), so a crash mid-delete never leaves a half-deleted folder under a checkpoint name.
 */
export function pruneCheckpoints(runDir: string, keep: number, bestIteration: number | null) {
  const removed: string[] = []
  for (const listing of listCheckpoints(runDir).slice(keep)) {
    if (listing.iteration === bestIteration) continue
    const doomed = join(runDir, `.ckpt-pruned.${listing.name}.tmp`)
    renameSync(listing.path, doomed)
    rmSync(doomed, { recursive: true, force: true })
    removed.push(listing.name)
  }
  return removed
}
