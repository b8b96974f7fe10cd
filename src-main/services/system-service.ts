import type { DoctorReport, SystemInfo } from '../api/contract'
import type { BackendProbe } from '../domain/backends'
import type { Db } from '../store/database'
import { schemaVersion } from '../store/database'
import type { WorkspacePaths } from '../store/workspace'
import { WORKBENCH_VERSION } from '../util/version'
import { checkDesktopAddons, projectRoot } from '../util/native-abi'
import { basename } from 'node:path'

export interface SystemDeps {
  db: Db
  paths: WorkspacePaths
  transport: SystemInfo['transport']
  /** Folders imports may always read (`--import-root`, else the home folder). */
  fixedImportRoots: readonly string[]
  /** Tries each TensorFlow.js backend in a throwaway way and says why one did not load. */
  probeBackends: () => Promise<BackendProbe[]>
}

export function createSystemService(deps: SystemDeps) {
  return {
    info(): SystemInfo {
      return {
        version: WORKBENCH_VERSION,
        transport: deps.transport,
        workspaceName: basename(deps.paths.root),
        fixedImportRoots: [...deps.fixedImportRoots],
      }
    },
    async doctor(): Promise<DoctorReport> {
      const sqlite = deps.db.prepare<[], { v: string }>('SELECT sqlite_version() AS v').get()!.v
      return {
        version: WORKBENCH_VERSION,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        workspace: deps.paths.root,
        sqlite,
        schemaVersion: schemaVersion(deps.db),
        backends: await deps.probeBackends(),
        desktop: desktopCheck(),
      }
    },
  }
}

/** The ABI check of the launcher (native-abi.ts), for the project this workbench runs from. */
function desktopCheck(): DoctorReport['desktop'] {
  const root = projectRoot()
  const report = root ? checkDesktopAddons(root) : null
  return report?.electron ? { electron: report.electron.version, problems: report.problems } : null
}
