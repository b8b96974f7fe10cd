import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import * as tf from '@tensorflow/tfjs'
import type { BackendAttempt } from '../../domain/backends'

/**
 * The libtensorflow backends (`@tensorflow/tfjs-node-gpu`, `@tensorflow/tfjs-node`). Both are
 * optional dependencies whose install downloads libtensorflow 2.9.1 (the GPU build also
 * needs CUDA 11.2 and cuDNN 8.1), so a normal install may lack them: loading must fail with
 * a reason a person can act on, never take the trainer down.
 */

export type NativeBackendName = 'tensorflow-gpu' | 'tensorflow'

export const NATIVE_PACKAGES: Record<NativeBackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
}

/** Both packages register their kernels under this one tfjs backend name. */
const TFJS_NODE_BACKEND = 'tensorflow'

interface LoadFailure {
  readonly code?: unknown
  readonly message?: unknown
}

/** Turns a failed import of a native package into a sentence saying what is missing. */
export function describeNativeLoadError(name: NativeBackendName, error: unknown): string {
  const pkg = NATIVE_PACKAGES[name]
  const failure: LoadFailure = typeof error === 'object' && error !== null ? error : {}
  const message = String(failure.message ?? error)
  const firstLine = message.split('\n')[0] ?? message
  const notFound = failure.code === 'ERR_MODULE_NOT_FOUND' || failure.code === 'MODULE_NOT_FOUND'
  if (notFound && message.includes(pkg)) {
    return `${pkg} is not installed (optional dependency; \`npm install ${pkg}\` downloads libtensorflow)`
  }
  if (/libcud|cuda|cudnn/i.test(message)) {
    return `CUDA missing: ${pkg} needs CUDA 11.2 and cuDNN 8.1 (${firstLine})`
  }
  if (/libtensorflow|tfjs_binding|\.node\b/i.test(message)) {
    return `libtensorflow missing: its download at install failed, run \`npm rebuild ${pkg}\` (${firstLine})`
  }
  return `${pkg} failed to load: ${firstLine}`
}

function resolvePackage(pkg: string): string | null {
  try {
    return createRequire(import.meta.url).resolve(pkg)
  } catch {
    return null
  }
}

/** Loads a native backend into this process and makes it tfjs's active backend. */
export async function loadNativeBackend(name: NativeBackendName): Promise<BackendAttempt> {
  const pkg = NATIVE_PACKAGES[name]
  try {
    // A variable specifier keeps bundlers from trying to include an optional native package.
    await import(/* @vite-ignore */ pkg)
    if (!(await tf.setBackend(TFJS_NODE_BACKEND))) {
      return { name, ok: false, error: `${pkg} loaded but its backend failed to initialise` }
    }
    return { name, ok: true, error: null }
  } catch (error) {
    return { name, ok: false, error: describeNativeLoadError(name, error) }
  }
}

/** TensorFlow's intra-op pool defaults to one thread per logical core. */
export function nativeThreads(): number {
  return availableParallelism()
}

const PROBE_TIMEOUT_MS = 60_000

/**
 * Whether a native backend would load, found in a child process so that this one neither
 * keeps libtensorflow loaded nor dies if a broken native library crashes on load.
 */
export async function probeNativeBackend(name: NativeBackendName): Promise<BackendAttempt> {
  const pkg = NATIVE_PACKAGES[name]
  const entry = resolvePackage(pkg)
  if (entry === null) {
    const notFound = Object.assign(new Error(`Cannot find module '${pkg}'`), {
      code: 'MODULE_NOT_FOUND',
    })
    return { name, ok: false, error: describeNativeLoadError(name, notFound) }
  }
  const probe =
    'import(process.argv[1]).then(() => console.log("{}"), (e) =>' +
    ' console.log(JSON.stringify({ code: e && e.code, message: String(e && e.message || e) })))'
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '-e', probe, pathToFileURL(entry).href],
      // Under Electron, execPath is the app binary: make it behave as plain Node.
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, timeout: PROBE_TIMEOUT_MS },
    )
    const lastLine = stdout.trim().split('\n').pop() ?? '{}'
    const failure = JSON.parse(lastLine) as LoadFailure
    if (failure.message === undefined) return { name, ok: true, error: null }
    return { name, ok: false, error: describeNativeLoadError(name, failure) }
  } catch (error) {
    return { name, ok: false, error: describeNativeLoadError(name, error) }
  }
}
