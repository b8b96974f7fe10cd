import { WorkspaceSettings, type ParsedInput } from '../api/contract'
import type { SettingsRepo } from '../store/settings-repo'
import { checkImportRoot } from './import-roots'

/** The workspace's settings: stored values that still parse, defaults for the rest. */
export function createSettingsService(repo: SettingsRepo) {
  function get(): WorkspaceSettings {
    const stored = repo.read()
    const picked: Record<string, unknown> = {}
    // A value another build wrote that no longer parses reads as the default.
    for (const [key, schema] of Object.entries(WorkspaceSettings.shape)) {
      if (key in stored && schema.safeParse(stored[key]).success) picked[key] = stored[key]
    }
    return WorkspaceSettings.parse(picked)
  }
  return {
    get,
    update(patch: ParsedInput<'settings.update'>): WorkspaceSettings {
      // Checked before anything is written, so a bad folder leaves every setting as it was.
      const importRoots = patch.importRoots && [...new Set(patch.importRoots.map(checkImportRoot))]
      repo.write({ ...patch, ...(importRoots ? { importRoots } : {}) })
      return get()
    },
  }
}

export type SettingsService = ReturnType<typeof createSettingsService>
