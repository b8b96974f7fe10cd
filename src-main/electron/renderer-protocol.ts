import { net, protocol } from 'electron'
import { pathToFileURL } from 'node:url'
import { CONTENT_SECURITY_POLICY } from '../api/content-security-policy'
import { RENDERER_HOST, rendererFilePath } from './renderer-path'

const SCHEME = 'tmu'
export const RENDERER_ORIGIN = `${SCHEME}://${RENDERER_HOST}`

export function registerRendererScheme() {
  protocol.registerSchemesAsPrivileged([
    { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ])
}

/**
 * Serves the built renderer under `tmu://app/` instead of `file://`, so the page has a real
 * origin, gets the same Content-Security-Policy header as serve mode, and cannot read any
 * file outside the renderer folder (the guard: renderer-path.ts).
 */
export function serveRendererProtocol(rendererDir: string) {
  protocol.handle(SCHEME, async (request) => {
    const file = rendererFilePath(rendererDir, request.url)
    if (file === null) return new Response('forbidden', { status: 403 })
    const response = await net.fetch(pathToFileURL(file).href)
    const headers = new Headers(response.headers)
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY)
    return new Response(response.body, { status: response.status, headers })
  })
}
