import { spawn, spawnSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { unpackedPath } from '../../util/asar-path'

export interface FfmpegBinary {
  path: string
  /** Where it was found: the system's PATH, or the binary shipped in an npm package. */
  origin: 'path' | 'npm'
  version: string
}

let located: Promise<FfmpegBinary | undefined> | undefined

/**
 * Finds an ffmpeg: the system's (usually newer, with more codecs) first, else the static build
 * that `@ffmpeg-installer/ffmpeg` ships inside its platform package. Undefined when neither runs.
 */
export function locateFfmpeg(): Promise<FfmpegBinary | undefined> {
  located ??= (async () => {
    const system = versionOf('ffmpeg')
    if (system) return { path: 'ffmpeg', origin: 'path' as const, version: system }
    try {
      // Its entry point throws on platforms it has no binary for.
      // In a packaged app, the copy beside the asar archive: a program cannot run from it.
      const shipped = unpackedPath((await import('@ffmpeg-installer/ffmpeg')).default.path)
      const version = versionOf(shipped)
      return version ? { path: shipped, origin: 'npm' as const, version } : undefined
    } catch {
      return undefined
    }
  })()
  return located
}

function versionOf(binary: string): string | undefined {
  const result = spawnSync(binary, ['-hide_banner', '-version'], { encoding: 'utf8' })
  if (result.status !== 0) return undefined
  return /ffmpeg version (\S+)/.exec(result.stdout)?.[1] ?? 'unknown'
}

/**
 * Runs ffmpeg, collecting stderr (its only diagnostics channel). `onStdout` returns false to stop
 * it early (the exit code is then that of a killed process); `stdin` chunks are its input
 * (`-i -`), written at the pace ffmpeg reads them.
 */
export function runFfmpeg(
  binary: string,
  args: string[],
  onStdout?: (chunk: Buffer) => boolean,
  stdin?: Iterable<Uint8Array>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['-hide_banner', ...(stdin ? [] : ['-nostdin']), ...args])
    if (stdin) {
      // ffmpeg closes its input when it fails early: its stderr says why, not EPIPE.
      child.stdin.on('error', () => undefined)
      Readable.from(stdin, { objectMode: false }).pipe(child.stdin)
    } else {
      child.stdin.end()
    }
    let stderr = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (text: string) => {
      // Keep the tail: the reason for a failure is printed last.
      stderr = (stderr + text).slice(-8192)
    })
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        if (onStdout?.(chunk) === false) child.kill()
      } catch (error) {
        child.kill()
        reject(error)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr }))
  })
}
