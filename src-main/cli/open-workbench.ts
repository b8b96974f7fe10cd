import type { Command } from 'commander'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { probeBackends } from '../services/backend-probe'
import { defaultWorkspaceRoot } from '../store/workspace'

export interface WorkspaceOption {
  workspace: string
}

export function addWorkspaceOption(command: Command): Command {
  return command.option('-w, --workspace <dir>', 'workspace folder', defaultWorkspaceRoot())
}

/** The CLI works on the workspace in-process, through the same router the UI uses. */
function openWorkbench(opts: WorkspaceOption): Workbench {
  return createWorkbench({
    workspace: opts.workspace,
    transport: 'in-process',
    probeBackends,
    // Local commands may import from anywhere the user can read.
    importRoots: ['/'],
  })
}

/** Runs `work` on the workspace, closing it (and stopping its trainers) whatever happens. */
export async function withWorkbench<T>(
  opts: WorkspaceOption,
  work: (workbench: Workbench) => Promise<T>,
): Promise<T> {
  const workbench = openWorkbench(opts)
  try {
    return await work(workbench)
  } finally {
    await workbench.close()
  }
}
