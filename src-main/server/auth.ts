import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/**
 * Serve mode's gate, like a notebook server's: a random token printed in the URL. The first
 * page load presents it in the query; the server answers with an HttpOnly, SameSite=Strict
 * cookie so the page's scripts, assets and WebSocket are authorised without exposing the
 * token to scripts.
 */
export function createToken(): string {
  return randomBytes(24).toString('base64url')
}

export function cookieName(port: number): string {
  // One cookie per port: two servers on one host must not log each other in.
  return `tmu_token_${port}`
}

export function tokenFromRequest(req: IncomingMessage, port: number): string | null {
  const url = new URL(req.url ?? '/', 'http://localhost')
  const fromQuery = url.searchParams.get('token')
  if (fromQuery) return fromQuery
  const cookies = req.headers.cookie?.split(';') ?? []
  const prefix = `${cookieName(port)}=`
  for (const cookie of cookies) {
    const trimmed = cookie.trim()
    if (trimmed.startsWith(prefix)) return decodeURIComponent(trimmed.slice(prefix.length))
  }
  return null
}

export function tokensMatch(expected: string, given: string | null): boolean {
  if (given === null) return false
  const a = Buffer.from(expected)
  const b = Buffer.from(given)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * A WebSocket upgrade must come from the page this server served: browsers always send
 * Origin on WebSocket handshakes, and a foreign page would name its own origin.
 */
export function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  const host = req.headers.host
  if (!origin || !host) return false
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}
