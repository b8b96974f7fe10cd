import type { Command } from 'commander'
import { createWorkbench, defaultWorkspaceRoot, type Workbench } from '../api/create-workbench'

export interface WorkspaceOption {
  workspace: string
}

export function addWorkspaceOption(command: Command): Command {
  return command.option('-w, --workspace <dir>', 'workspace folder', defaultWorkspaceRoot())
}

/** The CLI works on the workspace in-process, through the same router the UI uses. */
function openWorkbench(opts: WorkspaceOption, runJobs: boolean): Workbench {
  return createWorkbench({
    workspace: opts.workspace,
    transport: 'in-process',
    // Local commands may import from anywhere the user can read.
    importRoots: ['/'],
    runJobs,
  })
}

/**
 * Runs `work` on the workspace, closing it (and stopping its trainers) whatever happens.
 * Commands that train pass `runJobs`; the rest leave jobs to whichever process runs them
 * (a `tmu serve` on the same workspace, say).
 */
export async function withWorkbench<T>(
  opts: WorkspaceOption,
  work: (workbench: Workbench) => Promise<T>,
  { runJobs = false }: { runJobs?: boolean } = {},
): Promise<T> {
  const workbench = openWorkbench(opts, runJobs)
  try {
    return await work(workbench)
  } finally {
    await workbench.close()
  }
}
