import nodePath, { type PlatformPath } from 'node:path'

/** The only host `tmu://` serves (see renderer-protocol.ts). */
export const RENDERER_HOST = 'app'

/**
 * The file under `rendererDir` that a `tmu://app/…` request names, or null when the request
 * must be refused: another host, a malformed escape, a backslash or NUL, a `..` segment
 * (however encoded), or an absolute path (`//etc`, `/C:/…`). The final containment check
 * stays as a second line. Pure (no `electron`), so it runs under vitest; `path` is a
 * parameter so the Windows rules can be tested on any OS.
 */
export function rendererFilePath(
  rendererDir: string,
  url: string,
  path: PlatformPath = nodePath,
): string | null {
  let pathname: string
  try {
    if (new URL(url).host !== RENDERER_HOST) return null
    // The path as sent: URL parsing would quietly clamp `/../..` to `/`, hiding the attempt.
    const raw = url.replace(/^[a-z][a-z\d+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? ''
    pathname = decodeURIComponent(raw)
  } catch {
    return null
  }
  if (/[\\\0]/.test(pathname)) return null
  const relativePath = pathname.replace(/^\//, '')
  if (relativePath.split('/').includes('..')) return null
  if (relativePath.startsWith('/') || /^[A-Za-z]:/.test(relativePath)) return null
  if (path.isAbsolute(relativePath)) return null
  const file = path.normalize(path.join(rendererDir, relativePath || 'index.html'))
  const inside = path.relative(rendererDir, file)
  if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) return null
  return file
}
