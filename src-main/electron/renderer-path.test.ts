import { posix, win32 } from 'node:path'
import { describe, expect, it } from 'vitest'
import { rendererFilePath } from './renderer-path'

const posixDir = '/opt/tmu/out/renderer'
const windowsDir = 'C:\\Program Files\\TMU\\out\\renderer'

describe('rendererFilePath', () => {
  it('serves files inside the renderer folder, index.html for the root', () => {
    expect(rendererFilePath(posixDir, 'tmu://app/', posix)).toBe(`${posixDir}/index.html`)
    expect(rendererFilePath(posixDir, 'tmu://app', posix)).toBe(`${posixDir}/index.html`)
    expect(rendererFilePath(posixDir, 'tmu://app/assets/index-3f2a.js?v=1#x', posix)).toBe(
      `${posixDir}/assets/index-3f2a.js`,
    )
    expect(rendererFilePath(posixDir, 'tmu://app/fonts/Inter%20Var.woff2', posix)).toBe(
      `${posixDir}/fonts/Inter Var.woff2`,
    )
    expect(rendererFilePath(windowsDir, 'tmu://app/assets/app.css', win32)).toBe(
      `${windowsDir}\\assets\\app.css`,
    )
  })

  // Each would reach outside the folder, or could on some OS, were it not refused.
  const refused = [
    ['a plain ..', 'tmu://app/../../etc/passwd'],
    ['an encoded ..', 'tmu://app/%2e%2e/%2e%2e/etc/passwd'],
    ['an encoded .. with an encoded slash', 'tmu://app/%2e%2e%2f%2e%2e%2fetc%2fpasswd'],
    ['a mixed-case encoded ..', 'tmu://app/assets/%2E%2e%2F..%2Fsecret'],
    ['a .. inside a path', 'tmu://app/assets/..%2f..%2f..%2fetc/passwd'],
    ['an absolute path', 'tmu://app//etc/passwd'],
    ['an encoded absolute path', 'tmu://app/%2fetc%2fpasswd'],
    ['a drive letter', 'tmu://app/C:/Windows/win.ini'],
    ['an encoded drive letter', 'tmu://app/C%3a%5cWindows%5cwin.ini'],
    ['backslashes', 'tmu://app/..\\..\\secret'],
    ['encoded backslashes', 'tmu://app/..%5c..%5csecret'],
    ['a UNC path', 'tmu://app/%5c%5cserver%5cshare%5cfile'],
    ['a NUL byte', 'tmu://app/index.html%00.png'],
    ['a malformed escape', 'tmu://app/%E0%A4%A'],
    ['another host', 'tmu://elsewhere/index.html'],
  ] as const

  it.each(refused)('refuses %s on POSIX', (_, url) => {
    expect(rendererFilePath(posixDir, url, posix)).toBeNull()
  })

  it.each(refused)('refuses %s on Windows', (_, url) => {
    expect(rendererFilePath(windowsDir, url, win32)).toBeNull()
  })
})
