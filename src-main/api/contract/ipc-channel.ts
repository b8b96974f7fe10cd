/** The single IPC channel the workbench API travels on, both directions. */
export const IPC_CHANNEL = 'tmu:api'

/**
 * The desktop app's native open dialog, asked for by the renderer. What the user picks there
 * may be imported (it is granted for the session); the API alone cannot grant itself paths.
 */
export const PICK_PATH_CHANNEL = 'tmu:pick-path'

export type PickKind = 'file' | 'folder'

/** What the preload hands the sandboxed renderer: the envelope link, and the native picker. */
export interface DesktopBridge {
  send(envelope: unknown): void
  onMessage(listener: (message: unknown) => void): () => void
  /** The absolute path the user picked, or null if they cancelled. */
  pickPath(kind: PickKind): Promise<string | null>
}
