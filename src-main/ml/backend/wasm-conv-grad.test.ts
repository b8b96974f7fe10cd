import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initWasmBackend } from './wasm'

/** [batch, height, width, inChannels, outChannels, kernel]: odd and even kernels, batch > 1. */
const SHAPES: [number, number, number, number, number, number][] = [
  [2, 7, 6, 3, 5, 3],
  [3, 8, 8, 4, 6, 4],
  [2, 5, 9, 1, 8, 5],
  [4, 6, 6, 16, 12, 2],
  [2, 4, 4, 7, 3, 1],
]

interface Grads {
  readonly dx: Float32Array
  readonly dw: Float32Array
}

/** d/dx and d/dw of Σ conv(x, w)⊙r, on the active backend, from fixed data. */
function convGrads(
  data: { x: number[]; w: number[]; r: number[] },
  shape: number[],
  pad: 'same' | 'valid',
): Grads {
  const [b, h, w, cin, cout, k] = shape as [number, number, number, number, number, number]
  return tf.tidy(() => {
    const x = tf.tensor4d(data.x, [b, h, w, cin])
    const filter = tf.tensor4d(data.w, [k, k, cin, cout])
    const grad = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => {
      const y = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, 1, pad)
      return tf.sum(tf.mul(y, tf.tensor(data.r.slice(0, y.size), y.shape)))
    })
    const [dx, dw] = grad([x, filter])
    return { dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array }
  })
}

function randomData(shape: number[], seed: number) {
  const [b, h, w, cin, cout, k] = shape as [number, number, number, number, number, number]
  let state = seed
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  const fill = (n: number) => Array.from({ length: n }, next)
  return { x: fill(b * h * w * cin), w: fill(k * k * cin * cout), r: fill(b * h * w * cout) }
}

function expectClose(actual: Float32Array, expected: Float32Array) {
  expect(actual.length).toBe(expected.length)
  const scale = Math.max(...expected.map(Math.abs))
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] ?? 0))))
  expect(worst / scale).toBeLessThan(1e-4)
}

describe('wasm convolution gradient kernels', () => {
  beforeAll(async () => {
    await initWasmBackend()
  })
  afterAll(async () => {
    await tf.setBackend('wasm')
  })

  for (const pad of ['same', 'valid'] as const) {
    it.each(SHAPES)(
      `match the cpu backend (${pad}) for [%i,%i,%i,%i]→%i, k=%i`,
      async (...shape) => {
        const data = randomData(
          shape,
          shape.reduce((a, v) => a * 31 + v, 7),
        )
        await tf.setBackend('cpu')
        const reference = convGrads(data, shape, pad)
        await tf.setBackend('wasm')
        const before = tf.memory().numTensors
        const ours = convGrads(data, shape, pad)
        expect(tf.memory().numTensors).toBe(before)
        expectClose(ours.dx, reference.dx)
        expectClose(ours.dw, reference.dw)
      },
    )
  }

  // MAU's encoder (3×3, stride 2, pad 1) and its transposed decoder need strided filter
  // gradients; odd sizes leave a row the stride never reads, which the kernel must cut off.
  for (const [size, pad] of [
    [6, 1],
    [7, 1],
    [8, 'same'],
  ] as const) {
    it(`computes strided filter gradients as the cpu backend does (${size}×${size}, pad ${pad})`, async () => {
      const data = randomData([2, size, size, 3, 4, 3], 5)
      const dwOf = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(data.x, [2, size, size, 3])
          const g = tf.grad((ws: tf.Tensor) => {
            const y = tf.conv2d(x, ws as tf.Tensor4D, 2, pad)
            return tf.sum(tf.mul(y, tf.tensor(data.r.slice(0, y.size), y.shape)))
          })
          return g(tf.tensor4d(data.w, [3, 3, 3, 4])).dataSync() as Float32Array
        })
      await tf.setBackend('cpu')
      const reference = dwOf()
      await tf.setBackend('wasm')
      const before = tf.memory().numTensors
      expectClose(dwOf(), reference)
      expect(tf.memory().numTensors).toBe(before)
    })
  }

  it('leaves strided input gradients to the stock kernel', async () => {
    const data = randomData([1, 6, 6, 2, 3, 3], 3)
    const dxOf = () =>
      tf.tidy(() => {
        const w = tf.tensor4d(data.w, [3, 3, 2, 3])
        const g = tf.grad((xs: tf.Tensor) => tf.sum(tf.conv2d(xs as tf.Tensor4D, w, 2, 'same')))
        return g(tf.tensor4d(data.x, [1, 6, 6, 2])).dataSync() as Float32Array
      })
    await tf.setBackend('cpu')
    const reference = dxOf()
    await tf.setBackend('wasm')
    expectClose(dxOf(), reference)
  })
})
