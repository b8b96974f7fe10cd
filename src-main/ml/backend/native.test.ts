import { describe, expect, it } from 'vitest'
import { describeNativeLoadError, probeNativeBackend } from './native'

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

  it('probes an absent package without loading anything', async () => {
    const attempt = await probeNativeBackend('tensorflow-gpu')
    expect(attempt).toEqual({
      name: 'tensorflow-gpu',
      ok: false,
      error: expect.stringMatching(/tfjs-node-gpu is not installed/),
    })
  })
})
