import { net, protocol } from 'electron'
import { join, normalize, relative, isAbsolute } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CONTENT_SECURITY_POLICY } from '../api/content-security-policy'

const SCHEME = 'tmu'
export const RENDERER_ORIGIN = `${SCHEME}://app`

export function registerRendererScheme() {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

/**
 * Serves the built renderer under `tmu://app/` instead of `file://`, so the page has a real
 * origin, gets the same Content-Security-Policy header as serve mode, and cannot read any
 * file outside the renderer folder.
 */
export function serveRendererProtocol(rendererDir: string) {
  protocol.handle(SCHEME, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname)
    const file = normalize(join(rendererDir, path === '/' ? 'index.html' : path))
    const inside = relative(rendererDir, file)
    if (inside.startsWith('..') || isAbsolute(inside)) {
      return new Response('forbidden', { status: 403 })
    }
    const response = await net.fetch(pathToFileURL(file).href)
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    return new Response(response.body, { status: response.status, headers })
  })
}
