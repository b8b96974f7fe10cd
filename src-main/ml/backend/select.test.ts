import { availableParallelism } from 'node:os'
import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { loadOneDnnAddon } from './onednn-addon'
import { BackendUnavailableError, initBackend, probeBackends } from './select'

/** Whether the oneDNN addon was built here (it is wherever libdnnl-dev and g++ are). */
const oneDnnBuilt = !('error' in loadOneDnnAddon())

// Here (as on most installs) the libtensorflow packages are absent and Dawn finds no GPU (its
// Vulkan needs a newer Mesa than Debian 12's): auto must fall to onednn, or to wasm where the
// addon could not be built.
describe('initBackend', () => {
  it('auto: records why the native backends were skipped and picks onednn or wasm', async () => {
    const report = await initBackend('auto')
    const expected = oneDnnBuilt ? 'onednn' : 'wasm'
    expect(report.name).toBe(expected)
    expect(tf.getBackend()).toBe('wasm')
    expect(report.attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['onednn', oneDnnBuilt],
      ...(oneDnnBuilt ? [] : [['wasm', true]]),
    ])
    expect(report.attempts[0]?.error).toMatch(/tfjs-node-gpu is not installed/)
    expect(report.attempts[1]?.error).toMatch(/^no WebGPU adapter: .* set VK_ICD_FILENAMES=/)
    expect(report.reason).toMatch(
      new RegExp(`^${expected} \\(auto; .*\\)\\. Unavailable: tensorflow-gpu: `),
    )
    expect(report.simd).toBe(true)
  })

  it('runs wasm on every core (the postinstall threads patch took effect)', async () => {
    const report = await initBackend('wasm')
    expect(report.threads).toBe(Math.min(availableParallelism(), 8))
  })

  it('throws a clear error when a forced backend cannot load', async () => {
    const forced = initBackend('tensorflow')
    await expect(forced).rejects.toThrow(BackendUnavailableError)
    await expect(forced).rejects.toThrow(
      /^backend tensorflow is not available \(tensorflow: @tensorflow\/tfjs-node is not installed/,
    )
  })

  it('cpu loads when asked for', async () => {
    const report = await initBackend('cpu')
    expect([report.name, tf.getBackend()]).toEqual(['cpu', 'cpu'])
  })
})

describe('probeBackends', () => {
  it('reports every backend and leaves the active one in place', async () => {
    await initBackend('cpu')
    const attempts = await probeBackends()
    expect(attempts.map((a) => [a.name, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['webgpu', false],
      ['tensorflow', false],
      ['onednn', oneDnnBuilt],
      ['wasm', true],
      ['cpu', true],
    ])
    // What each loaded one runs with, for `tmu doctor` and Settings.
    const notes = Object.fromEntries(attempts.map((a) => [a.name, a.note]))
    expect(notes.wasm).toMatch(/^\d+ threads?$/)
    expect(notes.cpu).toBe('pure JavaScript, one thread')
    if (oneDnnBuilt) expect(notes.onednn).toMatch(/^oneDNN \d+\.\d+\.\d+, other kernels wasm/)
    expect(tf.getBackend()).toBe('cpu')
  })
})
