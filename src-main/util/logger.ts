import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

type Level = 'error' | 'warn' | 'info' | 'debug'

export interface Logger {
  error(message: string, fields?: object): void
  warn(message: string, fields?: object): void
  info(message: string, fields?: object): void
  debug(message: string, fields?: object): void
}

let logFile: string | null = null

/**
 * Sends every logger's lines to `<dir>/workbench-YYYY-MM-DD.log` as JSON lines. Until this
 * is called (tests, early start-up) lines go to stderr so nothing is silently dropped.
 */
export function configureLogging(dir: string) {
  mkdirSync(dir, { recursive: true })
  logFile = join(dir, `workbench-${new Date().toISOString().slice(0, 10)}.log`)
}

export function createLogger(scope: string): Logger {
  const write = (level: Level, message: string, fields?: object) => {
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      scope,
      message,
      ...fields,
    })
    if (logFile) {
      try {
        appendFileSync(logFile, line + '\n')
        return
      } catch {
        // A full or vanished log folder must not take the workbench down: fall through.
      }
    }
    if (level !== 'debug') process.stderr.write(line + '\n')
  }
  return {
    error: (m, f) => write('error', m, f),
    warn: (m, f) => write('warn', m, f),
    info: (m, f) => write('info', m, f),
    debug: (m, f) => write('debug', m, f),
  }
}
