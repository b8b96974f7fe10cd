import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  describeNativeLoadError,
  NATIVE_PACKAGES,
  probeNativeBackend,
  type NativeBackendName,
} from './native'

/** Whether the optional package is installed here: the tests hold either way. */
function resolves(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg)
    return true
  } catch {
    return false
  }
}

describe('native backend load errors', () => {
  it('says an optional package is not installed', () => {
    const error = Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node' imported"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    expect(describeNativeLoadError('tensorflow', error)).toMatch(
      /^@tensorflow\/tfjs-node is not installed \(optional dependency/,
    )
  })

  it('says CUDA is missing when the GPU binding cannot find its libraries', () => {
    const error = new Error('libcudart.so.11.0: cannot open shared object file: No such file')
    expect(describeNativeLoadError('tensorflow-gpu', error)).toMatch(/^CUDA missing: .*CUDA 11\.2/)
  })

  it('says libtensorflow is missing when the binding was never downloaded', () => {
    const error = Object.assign(
      new Error("Cannot find module '.../lib/napi-v8/tfjs_binding.node'\nRequire stack: ..."),
      { code: 'MODULE_NOT_FOUND' },
    )
    expect(describeNativeLoadError('tensorflow', error)).toBe(
      "libtensorflow missing: its download at install failed, run `npm rebuild @tensorflow/tfjs-node` (Cannot find module '.../lib/napi-v8/tfjs_binding.node')",
    )
  })

  it.each(['tensorflow-gpu', 'tensorflow'] as NativeBackendName[])(
    'probes %s: loads, or says why not; "not installed" only when the package is absent',
    async (name) => {
      const attempt = await probeNativeBackend(name)
      expect(attempt.name).toBe(name)
      if (!resolves(NATIVE_PACKAGES[name])) {
        expect(attempt).toEqual({
          name,
          ok: false,
          error: `${NATIVE_PACKAGES[name]} is not installed (optional dependency; \`npm install ${NATIVE_PACKAGES[name]}\` downloads libtensorflow)`,
        })
      } else if (attempt.ok) {
        expect(attempt.error).toBeNull()
      } else {
        // Installed but broken (no CUDA, no libtensorflow download): the reason, not "absent".
        expect(attempt.error).toMatch(
          /^(CUDA missing|libtensorflow missing|@tensorflow\/\S+ failed to load)/,
        )
      }
    },
  )
})
