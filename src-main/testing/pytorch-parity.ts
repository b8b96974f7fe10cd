import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig, type CellKind } from '../domain/model'
import { toPytorchLayout } from '../ml/checkpoint/pytorch-interchange'
import type { Tensor } from '../ml/checkpoint/tensors'
import { runSequence } from '../ml/forward'
import { createNetwork, type PredictiveNetwork } from '../ml/network'
import type { ParamEntry } from '../ml/params'
import { patchFrames } from '../ml/patching'
import { tensorMapFromNamed } from '../ml/tensor-map'
import { digitClips } from './digit-clips'
import { pytorchUnavailable, runPythonJson } from './pytorch'

/**
 * What the forward-parity tests of whole networks share: weights redrawn so every path
 * weighs in, the network's weights and clips in the JSON the reference scripts read
 * (ml/cells/fixtures/*_reference.py), and the comparison of the guesses.
 */

/** A tensor as the reference scripts read it: shape and flat values. */
export const plainTensor = (t: Tensor | tf.Tensor) => ({
  shape: t.shape,
  data: Array.from(t instanceof tf.Tensor ? t.dataSync() : t.data),
})

/**
 * Redraws every parameter: at PyTorch's initial bounds a small network's guesses are ~1e-5
 * (too small to tell a wrong gate from a right one) and PredRNN++'s GHU at U(±0.001) stays
 * nearly shut; wider kernels and norms off 1 and 0 make every path weigh in.
 */
export function redrawForParity(net: PredictiveNetwork): void {
  const range = ({ name, layout }: ParamEntry): [number, number] => {
    if (layout === 'layerNorm' || layout === 'windowNorm') {
      return name.endsWith('weight') ? [0.5, 1.5] : [-0.5, 0.5]
    }
    return [-0.3, 0.3]
  }
  tf.tidy(() => {
    net.params.entries().forEach((e, k) => {
      e.variable.assign(tf.randomUniform(e.variable.shape, ...range(e), 'float32', k))
    })
  })
}

/** The network's weights by PyTorch name, in PyTorch layouts, as plain tensors. */
export async function pytorchWeights(
  net: Pick<PredictiveNetwork, 'params'>,
): Promise<Record<string, ReturnType<typeof plainTensor>>> {
  const layouts = Object.fromEntries(net.params.entries().map((e) => [e.name, e.layout]))
  const named = net.params.getWeights()
  const weights = toPytorchLayout(await tensorMapFromNamed(named), { layouts })
  tf.dispose(Object.values(named))
  return Object.fromEntries(Object.entries(weights).map(([n, t]) => [n, plainTensor(t)]))
}

/** The parity networks: 3 layers of 8, 3×3, on 32×32 clips (patch 4), weights redrawn. */
export function parityNetwork(cell: CellKind, layerNorm: boolean): PredictiveNetwork {
  const model = ModelConfig.parse({
    cell,
    hidden: [8, 8, 8],
    kernelSize: 3,
    imageHeight: 32,
    imageWidth: 32,
    layerNorm,
  })
  const net = createNetwork(model, { seed: 3 })
  redrawForParity(net)
  return net
}

/** What every reference script reads about a network and its patched clips (NCHW there). */
export async function networkRequest(net: PredictiveNetwork, patchedBTHWC: tf.Tensor5D) {
  const framesNCHW = tf.tidy(() => tf.transpose(patchedBTHWC, [0, 1, 4, 2, 3]))
  const request = {
    hidden: net.config.hidden,
    kernel: net.config.kernelSize,
    frame_channels: net.frameChannels,
    height: net.heightPatches,
    width: net.widthPatches,
    layer_norm: net.config.layerNorm,
    weights: await pytorchWeights(net),
    frames: plainTensor(framesNCHW),
  }
  framesNCHW.dispose()
  return request
}

/**
 * Our guesses [B, T, h, w, C] against the reference's [B, T, C, h, w]: within 1e-4 on [0, 1]
 * pixels, and not vacuously (the guesses spread: std > 0.02, far beyond the tolerance).
 * Returns the largest difference, for the log.
 */
export function expectGuessesAgree(
  ours: tf.Tensor5D,
  theirs: { shape: number[]; data: number[] },
): number {
  return tf.tidy(() => {
    const reference = tf.transpose(tf.tensor(theirs.data, theirs.shape), [0, 1, 3, 4, 2])
    expect(reference.shape).toEqual(ours.shape)
    const worst = tf.max(tf.abs(tf.sub(ours, reference))).dataSync()[0]!
    expect(worst).toBeLessThan(1e-4)
    expect(tf.moments(ours).variance.dataSync()[0]!).toBeGreaterThan(4e-4)
    return worst
  })
}

/** One network of a parity test: how its test is titled, built, and what else the script reads. */
export interface ParityCase {
  readonly title: string
  readonly network: () => PredictiveNetwork
  readonly request?: Record<string, unknown>
}

/** The default cases: the parity network of `cell` with layer norm off and on. */
function layerNormCases(cell: CellKind): ParityCase[] {
  return [false, true].map((layerNorm) => ({
    title: `layer norm ${layerNorm ? 'on' : 'off'}`,
    network: () => parityNetwork(cell, layerNorm),
  }))
}

/**
 * Forward parity of whole networks against `script` (fixtures/*_reference.py), by default of
 * `cell` with layer norm off and on: a 7-step rollout of 2-digit clips, 4 steps from the
 * truth, the rest from the network's own guesses. Skipped, saying why, where PyTorch is not
 * importable.
 */
export async function describeRolloutParity(
  label: string,
  cell: CellKind,
  script: string,
  cases: readonly ParityCase[] = layerNormCases(cell),
) {
  const missing = await pytorchUnavailable()
  const inputFrames = 4
  const steps = 7
  describe.skipIf(missing !== null)(
    `${label} forward against PyTorch${missing ? ` (skipped: ${missing})` : ''}`,
    () => {
      const ours: tf.Tensor5D[] = []
      let replies: { guesses: { shape: number[]; data: number[] } }[] = []

      // One Python process for every case: importing torch is most of its time.
      beforeAll(async () => {
        await tf.setBackend('cpu')
        const requests = []
        for (const parityCase of cases) {
          const net = parityCase.network()
          const patched = tf.tidy(() =>
            patchFrames(digitClips(2, 5, steps + 1), net.config.patchSize),
          )
          ours.push(tf.tidy(() => runSequence(net, patched, { inputFrames, steps }).guessesBTHWC))
          requests.push({
            ...(await networkRequest(net, patched)),
            ...parityCase.request,
            input_frames: inputFrames,
            steps,
          })
          patched.dispose()
          net.dispose()
        }
        replies = runPythonJson(script, requests)
      })

      afterAll(() => tf.dispose(ours))

      for (const [k, { title }] of cases.entries()) {
        it(`agrees within 1e-4 on [0, 1] digit clips (${title})`, () => {
          const worst = expectGuessesAgree(ours[k]!, replies[k]!.guesses)
          console.log(`${label} parity, ${title}: max |tfjs − torch| = ${worst}`)
        })
      }
    },
  )
}
