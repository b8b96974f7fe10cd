import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

/** The folders a workspace holds; everything the workbench writes lives under `root`. */
export interface WorkspacePaths {
  root: string
  database: string
  logs: string
  datasets: string
  runs: string
}

export function workspacePaths(root: string): WorkspacePaths {
  const abs = resolve(root)
  return {
    root: abs,
    database: join(abs, 'workbench.sqlite'),
    logs: join(abs, 'logs'),
    datasets: join(abs, 'datasets'),
    runs: join(abs, 'runs'),
  }
}

export function ensureWorkspace(root: string): WorkspacePaths {
  const paths = workspacePaths(root)
  for (const dir of [paths.root, paths.logs, paths.datasets, paths.runs]) {
    mkdirSync(dir, { recursive: true })
  }
  return paths
}

/**
 * The CLI's and serve mode's default workspace: the platform's per-user data folder, so a
 * first launch works without flags (`TMU_WORKSPACE` overrides it).
 */
export function defaultWorkspaceRoot(env = process.env, platform = process.platform): string {
  if (env.TMU_WORKSPACE) return resolve(env.TMU_WORKSPACE)
  if (platform === 'win32') {
    return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'TMU Workbench')
  }
  if (platform === 'darwin') {
    return join(homedir(), 'Library', 'Application Support', 'TMU Workbench')
  }
  return join(env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'tmu-workbench')
}
