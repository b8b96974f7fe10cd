import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

const TMU = join(import.meta.dirname, '..', 'bin', 'tmu.js')

/**
 * Runs the `tmu` command on a workspace and resolves with its output; rejects naming the
 * command and its stderr. Asynchronous, so a test's timeout and teardown still fire while a
 * training is under way (a synchronous spawn blocked the worker past both).
 */
export async function tmu(workspace: string, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [
      TMU,
      ...args,
      '--workspace',
      workspace,
    ])
    return stdout
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error)
    throw new Error(`tmu ${args.join(' ')} failed: ${stderr}`)
  }
}
