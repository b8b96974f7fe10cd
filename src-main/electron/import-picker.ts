import type { OpenDialogOptions } from 'electron'
import type { PickKind } from '../api/contract/ipc-channel'
import { ARRAY_EXTENSIONS, VIDEO_EXTENSIONS } from '../domain/import-files'

const withoutDot = (extensions: readonly string[]) => extensions.map((e) => e.slice(1))

/**
 * The open dialog for an import: a file (arrays and videos first, anything on request) or a
 * folder of frame folders or videos. Folders may not be created here: an import reads.
 */
export function importPickerOptions(kind: PickKind): OpenDialogOptions {
  if (kind === 'folder') {
    return {
      title: 'Choose a folder to import',
      buttonLabel: 'Choose',
      properties: ['openDirectory'],
    }
  }
  return {
    title: 'Choose a file to import',
    buttonLabel: 'Choose',
    properties: ['openFile'],
    filters: [
      {
        name: 'Arrays and videos',
        extensions: withoutDot([...ARRAY_EXTENSIONS, ...VIDEO_EXTENSIONS]),
      },
      { name: 'All files', extensions: ['*'] },
    ],
  }
}

/** The renderer's request, as the IPC handler received it: only the two kinds are honoured. */
export function isPickKind(value: unknown): value is PickKind {
  return value === 'file' || value === 'folder'
}
