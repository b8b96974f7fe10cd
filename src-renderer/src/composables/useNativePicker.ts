import type { PickKind } from '@contract/ipc-channel'

/**
 * The desktop app's open dialog, or null in a browser (serve mode), where paths are typed and
 * imports read only the allowed folders. A path picked there may be imported at once: the main
 * side grants it for the session.
 */
export function useNativePicker(): ((kind: PickKind) => Promise<string | null>) | null {
  const bridge = window.tmuBridge
  return bridge ? (kind) => bridge.pickPath(kind) : null
}
