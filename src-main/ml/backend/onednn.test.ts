import { createRequire } from 'node:module'
import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkOneDnnAddon, describeOneDnnLoadError, loadOneDnnAddon } from './onednn-addon'
import { describeKernelTableMismatch, KERNEL_TABLE, type KernelArgs } from './onednn-kernel-table'
import { initBackend } from './select'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null
if (missing) console.warn(`onednn tests skipped: ${missing}`)

describe('the @tmu/onednn addon', () => {
  it('is built wherever CI runs (.ci/run installs libdnnl-dev)', () => {
    if (process.env.CI) expect(missing).toBeNull()
  })

  it('says what to install where it is not built', () => {
    let failure: unknown
    try {
      createRequire(import.meta.url)('@tmu/onednn-never-built')
    } catch (error) {
      failure = error
    }
    expect(describeOneDnnLoadError(failure)).toBe(
      '@tmu/onednn is not built: it needs oneDNN and a C++ compiler (`apt-get install libdnnl-dev g++`, then `npm rebuild @tmu/onednn`)',
    )
  })
})

interface ConvCase {
  readonly name: string
  readonly x: [number, number, number, number]
  readonly filter: [number, number, number, number]
  readonly strides: number | [number, number]
  readonly pad: 'same' | 'valid' | number
  readonly dilations: number | [number, number]
  /** tfjs itself computes no gradient of dilated convolutions. */
  readonly forwardOnly?: boolean
  /** tf.depthwiseConv2d, the filter [kh, kw, in, multiplier]. */
  readonly depthwise?: boolean
}

/** Our models' 5×5 'same' convolutions, and the geometries they do not use but a user might. */
const CASES: ConvCase[] = [
  {
    name: '5×5 same',
    x: [2, 8, 8, 6],
    filter: [5, 5, 6, 12],
    strides: 1,
    pad: 'same',
    dilations: 1,
  },
  {
    name: '3×3 valid',
    x: [3, 7, 9, 4],
    filter: [3, 3, 4, 5],
    strides: 1,
    pad: 'valid',
    dilations: 1,
  },
  {
    name: 'even 4×4 same',
    x: [2, 6, 6, 3],
    filter: [4, 4, 3, 2],
    strides: 1,
    pad: 'same',
    dilations: 1,
  },
  { name: '1×1', x: [4, 5, 5, 16], filter: [1, 1, 16, 8], strides: 1, pad: 'valid', dilations: 1 },
  {
    name: 'stride 2',
    x: [2, 9, 8, 3],
    filter: [3, 3, 3, 4],
    strides: 2,
    pad: 'same',
    dilations: 1,
  },
  {
    name: 'stride 2, pad 1',
    x: [1, 8, 7, 2],
    filter: [3, 2, 2, 3],
    strides: 2,
    pad: 1,
    dilations: 1,
  },
  {
    name: 'dilation 2',
    x: [2, 9, 9, 3],
    filter: [3, 3, 3, 4],
    strides: 1,
    pad: 'same',
    dilations: 2,
    forwardOnly: true,
  },
  {
    name: 'depthwise 3×3, multiplier 2, stride 2',
    x: [2, 9, 8, 6],
    filter: [3, 3, 6, 2],
    strides: 2,
    pad: 'same',
    dilations: 1,
    depthwise: true,
  },
  {
    name: 'depthwise 5×5 valid',
    x: [3, 8, 9, 16],
    filter: [5, 5, 16, 1],
    strides: 1,
    pad: 'valid',
    dilations: 1,
    depthwise: true,
  },
]

/** y, dy/dx and dy/dw of Σ conv(x, w)⊙r on the active backend, from fixed random data. */
function convAndGrads(c: ConvCase) {
  return tf.tidy(() => {
    const x = tf.randomUniform(c.x, -1, 1, 'float32', 1) as tf.Tensor4D
    const w = tf.randomUniform(c.filter, -1, 1, 'float32', 2) as tf.Tensor4D
    const conv = (xs: tf.Tensor, ws: tf.Tensor) =>
      (c.depthwise ? tf.depthwiseConv2d : tf.conv2d)(
        xs as tf.Tensor4D,
        ws as tf.Tensor4D,
        c.strides,
        c.pad,
        'NHWC',
        c.dilations,
      )
    const y = conv(x, w)
    if (c.forwardOnly) return [y.dataSync() as Float32Array]
    const r = tf.randomUniform(y.shape, -1, 1, 'float32', 3)
    const [dx, dw] = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.mul(conv(xs, ws), r)))([
      x,
      w,
    ])
    return [y, dx!, dw!].map((t) => t.dataSync() as Float32Array)
  })
}

function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length)
  const scale = Math.max(...expected.map(Math.abs))
  return Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!))) / scale
}

describe.skipIf(missing !== null)('onednn backend', () => {
  beforeAll(async () => {
    await initBackend('onednn')
  })
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('reports oneDNN and the threads it runs', async () => {
    const report = await initBackend('onednn')
    expect(report.name).toBe('onednn')
    expect(tf.getBackend()).toBe('wasm')
    expect(report.reason).toMatch(
      /^onednn \(requested; oneDNN \d+\.\d+\.\d+ convolutions on \d+ OpenMP threads/,
    )
  })

  it.each(CASES)('$name: convolution and both gradients match the cpu backend', async (c) => {
    await tf.setBackend('cpu')
    const reference = convAndGrads(c)
    await initBackend('onednn')
    const before = tf.memory().numTensors
    const ours = convAndGrads(c)
    expect(tf.memory().numTensors).toBe(before)
    expect(ours.length).toBe(reference.length)
    for (const [i, part] of ['y', 'dx', 'dw'].slice(0, ours.length).entries()) {
      expect(relativeError(ours[i]!, reference[i]!), part).toBeLessThan(1e-5)
    }
  })

  /** Splits, unstacks and concatenations along every axis, uneven parts, int32, and bool (wasm's kernel). */
  function splitsAndConcats(): number[][] {
    return tf.tidy(() => {
      const x = tf.randomUniform([3, 4, 5, 6], -1, 1, 'float32', 4)
      const out: tf.Tensor[] = []
      for (const axis of [0, 1, 2, 3, -1]) {
        const a = (axis + 4) % 4
        const parts = tf.split(x, [1, x.shape[a]! - 1], axis)
        const empty = tf.zeros(x.shape.map((d, i) => (i === a ? 0 : d)))
        out.push(...parts, tf.concat([parts[1]!, empty, parts[0]!], axis))
      }
      for (const axis of [0, 2, -1]) out.push(...tf.unstack(x, axis))
      const ints = tf.range(0, 24, 1, 'int32').reshape([2, 3, 4])
      out.push(...tf.split(ints, [1, 3], 2), tf.concat([ints, ints], 1))
      const bools = tf.greater(x, 0)
      out.push(...tf.split(bools, 3, 3), tf.concat([bools, bools], 3))
      // Gradients: split's is a concat, concat's a split.
      const [dx] = tf.grads((v: tf.Tensor) => {
        const [a, b, c] = tf.split(v, [1, 3, 2], 3)
        return tf.sum(tf.mul(tf.concat([c!, a!, b!], 3), tf.range(0, 6).reshape([1, 1, 1, 6])))
      })([x])
      out.push(dx!)
      return out.map((t) => Array.from(t.dataSync()))
    })
  }

  it('splits, unstacks and concatenates exactly as the cpu backend does', async () => {
    await tf.setBackend('cpu')
    const reference = splitsAndConcats()
    await initBackend('onednn')
    const before = tf.memory().numTensors
    expect(splitsAndConcats()).toEqual(reference)
    expect(tf.memory().numTensors).toBe(before)
  })

  it('plain wasm gets its own kernels back, and onednn its own again', async () => {
    const kernelOf = () => tf.getKernel(tf.Conv2D, 'wasm')?.kernelFunc
    const oneDnnConv = kernelOf()
    await initBackend('wasm')
    const wasmConv = kernelOf()
    expect(wasmConv).not.toBe(oneDnnConv)
    const c = CASES[0]!
    const onWasm = convAndGrads(c)
    await initBackend('onednn')
    expect(kernelOf()).toBe(oneDnnConv)
    const onOneDnn = convAndGrads(c)
    expect(relativeError(onOneDnn[2]!, onWasm[2]!)).toBeLessThan(1e-4)
  })

  it('never runs on a stale copy of a filter: alternating filters and updated variables', async () => {
    // One geometry, so one cached copy: two filters in turn, then a variable assigned anew.
    const run = () =>
      tf.tidy(() => {
        const x = tf.randomUniform([2, 6, 6, 4], -1, 1, 'float32', 5) as tf.Tensor4D
        const [a, b] = [6, 7].map((seed) => tf.randomUniform([3, 3, 4, 8], -1, 1, 'float32', seed))
        const w = tf.variable(a!.clone())
        const outputs = [a, b, a, w].map((f) => tf.conv2d(x, f as tf.Tensor4D, 1, 'same'))
        w.assign(b!)
        outputs.push(tf.conv2d(x, w as tf.Variable<tf.Rank.R4>, 1, 'same'))
        outputs.push(
          tf.conv2dTranspose(outputs[0]!, w as tf.Variable<tf.Rank.R4>, x.shape, 1, 'same'),
        )
        w.assign(a!)
        outputs.push(
          tf.conv2dTranspose(outputs[0]!, w as tf.Variable<tf.Rank.R4>, x.shape, 1, 'same'),
        )
        const values = outputs.map((t) => Array.from(t.dataSync()))
        w.dispose()
        return values
      })
    await tf.setBackend('cpu')
    const reference = run()
    await initBackend('onednn')
    const ours = run()
    for (const [i, values] of ours.entries()) {
      const worst = Math.max(...values.map((v, j) => Math.abs(v - reference[i]![j]!)))
      expect(worst, `output ${i}`).toBeLessThan(1e-4)
    }
  })

  it('refuses a geometry tfjs sizes differently from the convolution it describes', () => {
    const x = tf.ones([1, 8, 7, 2]) as tf.Tensor4D
    const w = tf.ones([3, 2, 2, 3]) as tf.Tensor4D
    expect(() => tf.conv2d(x, w, [2, 1], 1)).toThrow(
      /onednn Conv2D: tfjs expects a 4×4 output where the convolution gives 4×8; use 'same' or 'valid'/,
    )
    tf.dispose([x, w])
  })
})

describe.skipIf(missing !== null)("the addon's kernel table", () => {
  const addon = 'addon' in loaded ? loaded.addon : null
  const geometry = {
    batch: 1,
    inHeight: 4,
    inWidth: 4,
    inChannels: 1,
    outHeight: 4,
    outWidth: 4,
    outChannels: 1,
    filterHeight: 3,
    filterWidth: 3,
    strideHeight: 1,
    strideWidth: 1,
    dilationHeight: 1,
    dilationWidth: 1,
    padTop: 1,
    padLeft: 1,
    padBottom: 1,
    padRight: 1,
  }

  /** A heap of a known pattern, to show a refused call wrote nothing. */
  function patternedHeap(): Uint8Array {
    return Uint8Array.from({ length: 1024 }, (_, i) => i % 251)
  }

  it('is the one this workbench calls it with, one function per kernel', () => {
    expect(describeKernelTableMismatch(addon!.kernels)).toBeNull()
    for (const name of Object.keys(KERNEL_TABLE)) {
      expect(typeof addon![name as keyof typeof KERNEL_TABLE], name).toBe('function')
    }
  })

  it('reports a build whose table differs, naming the kernel', () => {
    const built = structuredClone(addon!.kernels) as Record<
      string,
      { tensors: { size: unknown[] }[] }
    >
    built.convLstmGates!.tensors[0]!.size[1] = 3
    expect(checkOneDnnAddon({ ...addon!, kernels: built })).toEqual({
      error: expect.stringMatching(
        /^@tmu\/onednn was built from other sources \(a stale build\?\): it declares convLstmGates as \{.*"size":\["positions",3,"channels"\].*\} where this workbench expects \{.*"size":\["positions",4,"channels"\].*\}; rebuild it \(`npm rebuild @tmu\/onednn`\)$/,
      ),
    })
    const { layerNorm: _, ...withoutLayerNorm } = structuredClone(addon!.kernels) as Record<
      string,
      unknown
    >
    expect(describeKernelTableMismatch(withoutLayerNorm)).toMatch(/it has no kernel layerNorm;/)
    const extra = { ...(addon!.kernels as object), im2col: { dims: [] } }
    expect(describeKernelTableMismatch(extra)).toMatch(
      /it has a kernel im2col this workbench does not know;/,
    )
    expect(checkOneDnnAddon({ ...addon!, kernels: undefined })).toEqual({
      error:
        '@tmu/onednn exports no kernel table, so it predates this workbench: rebuild it (`npm rebuild @tmu/onednn`)',
    })
  })

  it('refuses a size product that overflows, before any bounds check could wrap around', () => {
    const heap = patternedHeap()
    const offsets = { gates: 0, cPrev: 0, c: 0, h: 0 }
    expect(() =>
      addon!.convLstmGates(heap, { positions: 2 ** 52, channels: 2 ** 12, ...offsets }),
    ).toThrow(
      'tmu_onednn convLstmGates: gates = positions·4·channels = 4503599627370496·4·4096 overflows 64 bits',
    )
    // 2^62 values fit in 64 bits, but their 2^64 bytes wrap to 0, which a bounds check on
    // unchecked products let through to a kernel that then ran 2^62 values off the heap.
    const rows = { rows: 2 ** 31, width: 2 ** 31, epsilon: 1e-5 }
    const tensors = { x: 0, gamma: 0, beta: 0, y: 0, mean: 0, variance: 0 }
    expect(() => addon!.layerNorm(heap, { ...rows, ...tensors })).toThrow(
      'tmu_onednn layerNorm: x = rows·width = 2147483648·2147483648 overflows 64 bits as bytes',
    )
    expect(() =>
      addon!.copyBlocks(heap, {
        rows: 2 ** 53 - 1,
        width: 1,
        srcStride: 2 ** 53 - 1,
        dstStride: 1,
        src: 0,
        dst: 0,
      }),
    ).toThrow(/tmu_onednn copyBlocks: src = \(rows − 1\)·srcStride \+ width = .* overflows 64 bits/)
    expect(heap).toEqual(patternedHeap())
  })

  it('refuses tensors outside the heap and arguments it cannot read, naming them', () => {
    const heap = patternedHeap()
    const tensors = { x: 0, filter: 64, filterToken: -1 }
    expect(() => addon!.convForward(heap, { ...geometry, ...tensors, y: 1000 })).toThrow(
      'tmu_onednn convForward: y lies outside the heap (64 bytes at 1000 of 1024)',
    )
    expect(() => addon!.convForward(heap, { ...geometry, ...tensors, y: 2 })).toThrow(
      'tmu_onednn convForward: y lies outside the heap',
    )
    const { padRight: _, ...partial } = geometry
    expect(() =>
      addon!.convForward(heap, { ...partial, ...tensors, y: 128 } as KernelArgs<'convForward'>),
    ).toThrow('tmu_onednn convForward: padRight is missing')
    const lstm = { a: 0, b: 16, l: 32, h: 48 }
    expect(() => addon!.lstmOutput(heap, { size: -4, ...lstm })).toThrow(
      'tmu_onednn lstmOutput: size must not be negative',
    )
    expect(() => addon!.lstmOutput(heap, { size: 4.5, ...lstm })).toThrow(
      'tmu_onednn lstmOutput: size must be a safe integer',
    )
    expect(() =>
      addon!.lstmOutput(new Uint8Array(0).buffer as never, { size: 4, ...lstm }),
    ).toThrow('tmu_onednn lstmOutput: the heap must be a Uint8Array')
    expect(heap).toEqual(patternedHeap())
  })

  it('takes a convolution geometry by name for its reports', () => {
    expect(addon!.convImplementations(geometry)).toMatch(
      /^forward \S+, input gradient \S+, filter gradient \S+$/,
    )
  })
})
