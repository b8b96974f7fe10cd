/**
 * The renderer's Content-Security-Policy, the same for the desktop window and serve mode:
 * only the app's own scripts and styles, images from the app or generated in the page, and
 * connections back to the origin (the WebSocket API).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')
