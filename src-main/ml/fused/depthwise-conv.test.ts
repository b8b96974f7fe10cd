import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { initBackend } from '../backend'
import { loadOneDnnAddon } from '../backend/onednn-addon'
import {
  DEPTHWISE_CONV,
  depthwiseConv2d,
  depthwiseConvComposite,
  type DepthwiseConvAttrs,
} from './depthwise-conv'
import { hasFusedKernel } from './fused-kernel'

const loaded = loadOneDnnAddon()
const missing = 'error' in loaded ? loaded.error : null

/** SimVP's 5×5 and TAU's 7×7 dilated by 3 ('same' size), and a dilated one that shrinks. */
const GEOMETRIES: { k: number; attrs: DepthwiseConvAttrs }[] = [
  { k: 5, attrs: { pad: 2, dilation: 1 } },
  { k: 7, attrs: { pad: 9, dilation: 3 } },
  { k: 3, attrs: { pad: 1, dilation: 2 } },
]
// 4 channels run oneDNN's scalar tail, 16 and 64 its vector loops.
const CHANNELS = [4, 16, 64]
const EXTREMES = [-1e4, -1e3, -89.5, -20, -1, -1e-7, 0, 1e-7, 1, 20, 89.5, 1e3, 1e4]

type Values = 'uniform' | 'extreme' | 'non-finite'

/** A [2, 6, 7, C] input: uniform in [−1, 1], cycling through extremes, or with ±Inf and NaN. */
function input(channels: number, values: Values): tf.Tensor4D {
  const shape: [number, number, number, number] = [2, 6, 7, channels]
  if (values === 'uniform') return tf.randomUniform(shape, -1, 1, 'float32', 1) as tf.Tensor4D
  const data = new Float32Array(shape.reduce((a, b) => a * b))
  for (let j = 0; j < data.length; j++) {
    data[j] = EXTREMES[(j * 7) % EXTREMES.length]!
    if (values === 'non-finite' && j % 97 === 0) data[j] = [Infinity, -Infinity, NaN][j % 3]!
  }
  return tf.tensor4d(data, shape)
}

/** y, dL/dx and dL/dw of L = Σ conv(x, w)⊙r on the active backend. */
function outputAndGradients(
  conv: typeof depthwiseConv2d,
  k: number,
  channels: number,
  attrs: DepthwiseConvAttrs,
  values: Values,
): Float32Array[] {
  return tf.tidy(() => {
    const x = input(channels, values)
    const w = tf.randomUniform([k, k, channels, 1], -1, 1, 'float32', 2) as tf.Tensor4D
    const y = conv(x, w, attrs)
    const r = tf.randomUniform(y.shape, -1, 1, 'float32', 3)
    const [dx, dw] = tf.grads((xs: tf.Tensor, ws: tf.Tensor) =>
      tf.sum(tf.mul(conv(xs as tf.Tensor4D, ws as tf.Tensor4D, attrs), r)),
    )([x, w])
    return [y, dx!, dw!].map((t) => t.dataSync() as Float32Array)
  })
}

/** NaN where cpu has NaN, its infinities, and finite entries within 1e-5 of its largest. */
function expectLikeCpu(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, what).toBe(expected.length)
  const scale = Math.max(1, ...Array.from(expected).filter(Number.isFinite).map(Math.abs))
  let worst = 0
  for (let j = 0; j < expected.length; j++) {
    const [a, e] = [actual[j]!, expected[j]!]
    if (Number.isNaN(e)) expect(a, `${what}[${j}] (cpu: NaN)`).toBeNaN()
    else if (!Number.isFinite(e)) expect(a, `${what}[${j}]`).toBe(e)
    else {
      expect(Number.isFinite(a), `${what}[${j}] is ${a}, cpu has ${e}`).toBe(true)
      worst = Math.max(worst, Math.abs(a - e))
    }
  }
  expect(worst / scale, what).toBeLessThan(1e-5)
}

describe.skipIf(missing !== null)('the depthwise convolution kernel, against cpu', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  for (const { k, attrs } of GEOMETRIES) {
    for (const values of ['uniform', 'extreme', 'non-finite'] as const) {
      const label = `${k}×${k}, pad ${attrs.pad}, dilation ${attrs.dilation}, ${values} input`
      it(`${label}: output and both gradients`, async () => {
        await initBackend('cpu')
        expect(hasFusedKernel(DEPTHWISE_CONV)).toBe(false)
        const reference = CHANNELS.map((c) =>
          outputAndGradients(depthwiseConvComposite, k, c, attrs, values),
        )
        await initBackend('onednn')
        expect(hasFusedKernel(DEPTHWISE_CONV)).toBe(true)
        const before = tf.memory().numTensors
        for (const [i, channels] of CHANNELS.entries()) {
          const ours = outputAndGradients(depthwiseConv2d, k, channels, attrs, values)
          for (const [j, part] of ['y', 'dx', 'dw'].entries()) {
            expectLikeCpu(ours[j]!, reference[i]![j]!, `${channels} channels, ${part}`)
          }
        }
        expect(tf.memory().numTensors).toBe(before)
      })
    }
  }
})
