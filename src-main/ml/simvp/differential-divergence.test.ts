import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { expectFiniteAndAgreeing, extremeTensor } from '../../testing/extreme-values'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { plainTensor } from '../../testing/pytorch-parity'
import { differentialDivergence } from './differential-divergence'

const SCRIPT = new URL('./fixtures/simvp_reference.py', import.meta.url).pathname
const missing = await pytorchUnavailable()

/** [B, T, H, W, C] = [2, 4, 6, 6, 2]: three frame differences of 72 values each. */
const SHAPE: [number, number, number, number, number] = [2, 4, 6, 6, 2]

const frames = (seed: number) => tf.randomUniform(SHAPE, 0, 1, 'float32', seed) as tf.Tensor5D

/** The value and the gradient with respect to the predictions, as arrays. */
function valueAndGradient(predicted: tf.Tensor5D, truth: tf.Tensor5D): Float32Array[] {
  const { value, grad } = tf.valueAndGrad((p: tf.Tensor) =>
    differentialDivergence(p as tf.Tensor5D, truth),
  )(predicted)
  const out = [value.dataSync(), grad.dataSync()].map((a) => Float32Array.from(a))
  tf.dispose([value, grad])
  return out
}

describe('TAU differential divergence regularisation', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('is 0 for two frames or fewer, as OpenSTL returns, and positive where motions differ', () => {
    tf.tidy(() => {
      const two = frames(1).slice([0, 0], [-1, 2]) as tf.Tensor5D
      const twoTruth = frames(2).slice([0, 0], [-1, 2]) as tf.Tensor5D
      expect(differentialDivergence(two, twoTruth).dataSync()[0]).toBe(0)
      const same = frames(3)
      expect(differentialDivergence(same, same).dataSync()[0]).toBeCloseTo(0, 6)
      expect(differentialDivergence(frames(4), same).dataSync()[0]).toBeGreaterThan(1e-4)
    })
  })

  it.skipIf(missing !== null)(
    `gives PyTorch's value and gradient${missing ? ` (skipped: ${missing})` : ''}`,
    () => {
      const predicted = frames(5)
      const truth = frames(6)
      const [value, gradient] = valueAndGradient(predicted, truth)
      const [reply] = runPythonJson<{ value: number; gradient: { data: number[] } }[]>(SCRIPT, [
        { ddr: { predicted: plainTensor(predicted), truth: plainTensor(truth) } },
      ])
      expect(reply!.value).toBeGreaterThan(1e-4)
      expect(Math.abs(value![0]! - reply!.value) / reply!.value).toBeLessThan(1e-5)
      const theirs = reply!.gradient.data
      const scale = Math.max(...theirs.map(Math.abs))
      const worst = Math.max(...Array.from(gradient!, (g, i) => Math.abs(g - theirs[i]!)))
      console.log(`DDR parity: value ${value![0]} vs ${reply!.value}, gradient ${worst / scale}`)
      expect(worst / scale).toBeLessThan(1e-4)
      tf.dispose([predicted, truth])
    },
  )

  it('stays finite, value and gradient, at ±1e4 and on identical frames, on every backend', async () => {
    await expectFiniteAndAgreeing(() => {
      const extreme = tf.tidy(
        () => tf.reshape(extremeTensor([2, 4, 6, 12], 3), SHAPE) as tf.Tensor5D,
      )
      const still = tf.tidy(() => tf.tile(frames(7).slice([0, 0], [-1, 1]), [1, 4, 1, 1, 1]))
      const truth = frames(8)
      const out = [
        ...valueAndGradient(extreme, truth),
        ...valueAndGradient(truth, extreme),
        ...valueAndGradient(still as tf.Tensor5D, truth),
        ...valueAndGradient(truth, still as tf.Tensor5D),
      ]
      tf.dispose([extreme, still, truth])
      return out
    })
  })
})
