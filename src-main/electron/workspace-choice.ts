import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from '../util/atomic-write'

const WorkspaceChoice = z.object({ workspace: z.string().min(1).refine(isAbsolute) })

/** The folder File › Open Workspace last picked, or null (then the default workspace opens). */
export function readWorkspaceChoice(file: string): string | null {
  if (!existsSync(file)) return null
  try {
    const parsed = WorkspaceChoice.safeParse(JSON.parse(readFileSync(file, 'utf8')))
    return parsed.success ? parsed.data.workspace : null
  } catch {
    return null
  }
}

export function writeWorkspaceChoice(file: string, workspace: string) {
  writeFileAtomic(file, `${JSON.stringify(WorkspaceChoice.parse({ workspace }), null, 2)}\n`)
}
