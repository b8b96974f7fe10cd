import * as tf from '@tensorflow/tfjs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { plainTensor, pytorchWeights, redrawForParity } from '../../testing/pytorch-parity'
import { runSequence } from '../forward'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'

/**
 * Forward parity of a whole PredRNN++ network against PyTorch: fixtures/predrnnpp_reference.py
 * writes the Causal LSTM and the GHU from the paper's equations with OpenSTL's module names,
 * loads our weights with `load_state_dict(strict=True)` (so names and shapes must be
 * OpenSTL's) and rolls out the same clips. Three layers, so the GHU feeds layer 2 and layer 3
 * reads plain H; 4 of 7 steps from the truth, the rest from the network's own guesses.
 */

const SCRIPT = join(import.meta.dirname, 'fixtures', 'predrnnpp_reference.py')
const torchMissing = await pytorchUnavailable()
const TIN = 4
const STEPS = 7

interface Reply {
  guesses: { shape: number[]; data: number[] }
}

interface Case {
  readonly layerNorm: boolean
  /** Our guesses, [B, steps, h, w, p·p·C]. */
  readonly ours: tf.Tensor5D
  /** What the reference script is asked to compute. */
  readonly request: object
}

/** A seeded 3-layer network's rollout here, and the request that has PyTorch do the same. */
async function parityCase(layerNorm: boolean): Promise<Case> {
  const model = ModelConfig.parse({
    cell: 'predrnnpp',
    hidden: [8, 8, 8],
    kernelSize: 3,
    imageHeight: 32,
    imageWidth: 32,
    layerNorm,
  })
  const net = createNetwork(model, { seed: 3 })
  redrawForParity(net)
  const patched = tf.tidy(() => patchFrames(digitClips(2, 5, STEPS + 1), model.patchSize))
  const ours = tf.tidy(
    () => runSequence(net, patched, { inputFrames: TIN, steps: STEPS }).guessesBTHWC,
  )
  const weights = await pytorchWeights(net)
  const framesNCHW = tf.tidy(() => tf.transpose(patched, [0, 1, 4, 2, 3]))
  const request = {
    hidden: model.hidden,
    kernel: model.kernelSize,
    frame_channels: net.frameChannels,
    height: net.heightPatches,
    width: net.widthPatches,
    layer_norm: layerNorm,
    input_frames: TIN,
    steps: STEPS,
    weights,
    frames: plainTensor(framesNCHW),
  }
  tf.dispose([patched, framesNCHW])
  net.dispose()
  return { layerNorm, ours, request }
}

describe.skipIf(torchMissing !== null)(
  `PredRNN++ forward against PyTorch${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    const cases: Case[] = []
    let replies: Reply[] = []

    // One Python process for both cases: importing torch is most of its time.
    beforeAll(async () => {
      await tf.setBackend('cpu')
      for (const layerNorm of [false, true]) cases.push(await parityCase(layerNorm))
      replies = runPythonJson<Reply[]>(
        SCRIPT,
        cases.map((c) => c.request),
      )
    })

    afterAll(() => {
      tf.dispose(cases.map((c) => c.ours))
    })

    for (const [k, layerNorm] of [false, true].entries()) {
      it(`agrees within 1e-4 on [0, 1] digit clips (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
        const { ours } = cases[k]!
        const { guesses } = replies[k]!
        const theirs = tf.tidy(() =>
          tf.transpose(tf.tensor(guesses.data, guesses.shape), [0, 1, 3, 4, 2]),
        )
        expect(theirs.shape).toEqual(ours.shape)
        const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!)
        console.log(`PredRNN++ parity, layer norm ${layerNorm}: max |tfjs − torch| = ${worst}`)
        expect(worst).toBeLessThan(1e-4)
        // Not a vacuous agreement: the guesses spread (std > 0.02), far beyond the tolerance.
        expect(tf.tidy(() => tf.moments(ours).variance.dataSync()[0]!)).toBeGreaterThan(4e-4)
        theirs.dispose()
      })
    }
  },
)
