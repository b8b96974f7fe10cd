import * as tf from '@tensorflow/tfjs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { plainTensor, pytorchWeights, redrawForParity } from '../../testing/pytorch-parity'
import { runSequence } from '../forward'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'

/**
 * Forward parity of a whole MIM network against PyTorch: fixtures/mim_reference.py writes the
 * ST-LSTM, the MIM block and its two memory modules from the paper with OpenSTL's module
 * names, loads our weights strictly and rolls out the same clips. Three layers, so layer 2's
 * MIM-N reads the difference of layer 1's H and layer 3's the N handed up from layer 2;
 * 4 of 7 steps from the truth, the rest from the network's own guesses.
 */

const SCRIPT = join(import.meta.dirname, 'fixtures', 'mim_reference.py')
const torchMissing = await pytorchUnavailable()
const TIN = 4
const STEPS = 7

interface Reply {
  guesses: { shape: number[]; data: number[] }
}

describe.skipIf(torchMissing !== null)(
  `MIM forward against PyTorch${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    const ours: tf.Tensor5D[] = []
    let replies: Reply[] = []

    beforeAll(async () => {
      await tf.setBackend('cpu')
      const requests = []
      for (const layerNorm of [false, true]) {
        const model = ModelConfig.parse({
          cell: 'mim',
          hidden: [8, 8, 8],
          kernelSize: 3,
          imageHeight: 32,
          imageWidth: 32,
          layerNorm,
        })
        const net = createNetwork(model, { seed: 3 })
        redrawForParity(net)
        const patched = tf.tidy(() => patchFrames(digitClips(2, 5, STEPS + 1), model.patchSize))
        ours.push(
          tf.tidy(() => runSequence(net, patched, { inputFrames: TIN, steps: STEPS }).guessesBTHWC),
        )
        const framesNCHW = tf.tidy(() => tf.transpose(patched, [0, 1, 4, 2, 3]))
        requests.push({
          hidden: model.hidden,
          kernel: model.kernelSize,
          frame_channels: net.frameChannels,
          height: net.heightPatches,
          width: net.widthPatches,
          layer_norm: layerNorm,
          input_frames: TIN,
          steps: STEPS,
          weights: await pytorchWeights(net),
          frames: plainTensor(framesNCHW),
        })
        tf.dispose([patched, framesNCHW])
        net.dispose()
      }
      replies = runPythonJson<Reply[]>(SCRIPT, requests)
    })

    for (const [k, layerNorm] of [false, true].entries()) {
      it(`agrees within 1e-4 on [0, 1] digit clips (layer norm ${layerNorm ? 'on' : 'off'})`, () => {
        const mine = ours[k]!
        const { guesses } = replies[k]!
        const theirs = tf.tidy(() =>
          tf.transpose(tf.tensor(guesses.data, guesses.shape), [0, 1, 3, 4, 2]),
        )
        expect(theirs.shape).toEqual(mine.shape)
        const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(mine, theirs))).dataSync()[0]!)
        console.log(`MIM parity, layer norm ${layerNorm}: max |tfjs − torch| = ${worst}`)
        expect(worst).toBeLessThan(1e-4)
        // Not a vacuous agreement: the guesses spread (std > 0.02), far beyond the tolerance.
        expect(tf.tidy(() => tf.moments(mine).variance.dataSync()[0]!)).toBeGreaterThan(4e-4)
        tf.dispose([theirs, mine])
      })
    }
  },
)
