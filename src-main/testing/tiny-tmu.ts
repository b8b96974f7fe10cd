import * as tf from '@tensorflow/tfjs'
import { expect } from 'vitest'
import { ModelConfig, type CellKind } from '../domain/model'
import { predictionLoss, runSequence } from '../ml/forward'
import { createTmuNetwork } from '../ml/tmu/tmu-network'

/**
 * The TMU tests' tiny networks: two layers of 3 channels on a 2×3 grid (4×6 frames, patch 2),
 * small enough for finite differences and for comparing every gradient across backends.
 */
export const tinyStack = (cell: CellKind, tmu?: object) =>
  ModelConfig.parse({
    cell,
    hidden: [3, 3],
    kernelSize: 3,
    patchSize: 2,
    imageHeight: 4,
    imageWidth: 6,
    // MAU's cells run srSize-fold coarser: at 1 they keep the 2×3 grid.
    ...(cell === 'mau' ? { mau: { srSize: 1, tau: 2 } } : {}),
    ...(tmu ? { tmu } : {}),
  })

export function expectClose(actual: tf.Tensor, expected: tf.Tensor, what: string) {
  const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]!)
  expect(worst, what).toBeLessThan(1e-6)
}

/**
 * A tiny TMU target of `cell` (options `tmu`) on a 5-frame clip, guessing two steps of its
 * own: what it carries (C, and M under transferM) reaches the later guesses, so the transfer
 * gates and distillers are in the loss.
 */
export function tinyTmuLossProblem(cell: CellKind, tmu: object) {
  const net = createTmuNetwork(tinyStack(cell, tmu), { seed: 3 })
  const clip = tf.randomUniform([2, 5, 2, 3, 4], 0, 1, 'float32', 11) as tf.Tensor5D
  const mask = tf.tensor2d([0, 1, 1, 0], [2, 2])
  const loss = () =>
    tf.tidy(() => {
      const { guessesBTHWC } = runSequence(net, clip, { inputFrames: 2, truthMaskBP: mask })
      // Scaled so the mean squared error is O(1), which float32 differences need.
      return tf.mul(predictionLoss(guessesBTHWC, clip), 10) as tf.Scalar
    })
  const dispose = () => {
    tf.dispose([clip, mask])
    net.dispose()
  }
  return { net, loss, dispose }
}

/** Every parameter's gradient of tinyTmuLossProblem on the active backend, by name. */
export function tinyTmuGradientsByName(cell: CellKind, tmu: object): Record<string, number[]> {
  const { net, loss, dispose } = tinyTmuLossProblem(cell, tmu)
  const variables = net.params.entries()
  const { grads, value } = tf.variableGrads(
    loss,
    variables.map((e) => e.variable),
  )
  const out = Object.fromEntries(
    variables.map((e) => {
      const grad = grads[e.variable.name]
      return [
        e.name,
        grad ? Array.from(grad.dataSync()) : new Array<number>(e.variable.size).fill(0),
      ]
    }),
  )
  tf.dispose([value, ...Object.values(grads)])
  dispose()
  return out
}

/** Each parameter's gradients within 1e-3 of the reference's largest entry for it. */
export function expectGradientsAgree(
  reference: Record<string, number[]>,
  other: Record<string, number[]>,
  label: string,
) {
  for (const [name, values] of Object.entries(reference)) {
    const scale = Math.max(...values.map(Math.abs), 1e-6)
    const worst = Math.max(...values.map((v, i) => Math.abs(v - other[name]![i]!)))
    expect(worst / scale, `${label} ${name}`).toBeLessThan(1e-3)
  }
}
