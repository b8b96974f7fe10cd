import { execFile, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { promisify } from 'node:util'

/**
 * PyTorch references for parity tests and benches: Debian's python3-torch under the system
 * interpreter (not a venv's), so CI needs no pip install.
 */
export const DEFAULT_PYTHON = '/usr/bin/python3'

const run = promisify(execFile)

/** Why PyTorch cannot run here (message), or null when it can. */
export async function pytorchUnavailable(python = DEFAULT_PYTHON): Promise<string | null> {
  if (!existsSync(python)) return `${python} not found`
  try {
    await run(python, ['-c', 'import torch'])
    return null
  } catch {
    return `torch is not importable by ${python} (apt-get install -y python3-torch)`
  }
}

/** Runs `script` with `request` as JSON on stdin; its last stdout line is the JSON reply. */
export function runPythonJson<T>(script: string, request: unknown, python = DEFAULT_PYTHON): T {
  const result = spawnSync(python, [script], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  })
  if (result.status !== 0) {
    throw new Error(`${script} exited with ${result.status}: ${result.stderr || result.error}`)
  }
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as T
}
