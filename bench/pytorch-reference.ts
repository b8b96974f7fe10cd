import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { CellKind } from '../src-main/domain/model'

/** Runs bench/reference/predrnn_step.py under Debian's python3-torch (2 threads). */

const SCRIPT = fileURLToPath(new URL('./reference/predrnn_step.py', import.meta.url))
/** Debian's python3-torch lives under the system interpreter, not a venv's. */
export const DEFAULT_PYTHON = '/usr/bin/python3'

export interface PyTorchStep {
  readonly trainSecondsPerIteration: number
  readonly inferSecondsPerPass: number
  readonly threads: number
  readonly torchVersion: string
}

export interface PyTorchRequest {
  readonly cell: CellKind
  readonly layers: number
  readonly hidden: number
  readonly batch: number
  readonly threads: number
  readonly warmup: number
  readonly iterations: number
}

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

export async function runPyTorchStep(
  request: PyTorchRequest,
  python = DEFAULT_PYTHON,
): Promise<PyTorchStep> {
  const args = Object.entries(request).flatMap(([key, value]) => [
    `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
    String(value),
  ])
  const { stdout } = await run(python, [SCRIPT, ...args], { maxBuffer: 1 << 20 })
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as PyTorchStep
}
