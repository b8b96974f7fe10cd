import * as tf from '@tensorflow/tfjs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { ModelConfig, type MauOptions } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { expectGuessesAgree, networkRequest, redrawForParity } from '../../testing/pytorch-parity'
import { runSequence } from '../forward'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'

/**
 * Forward parity of a whole MAU network against PyTorch: fixtures/mau_reference.py writes the
 * encoder, the motion-aware unit and the decoder from the paper with OpenSTL's module names,
 * loads our weights strictly and rolls out the same clips. Three layers of 8 on 32×32 clips
 * (patch 2): reduced 4× (two stride-2 convolutions and two transposed ones, 4×4 cells) with a
 * window of 3 that the 7 steps overrun, and unreduced (srSize 1, the encoder's 1×1 alone).
 */

const SCRIPT = join(import.meta.dirname, 'fixtures', 'mau_reference.py')
const torchMissing = await pytorchUnavailable()
const INPUT_FRAMES = 4
const STEPS = 7
const CASES: MauOptions[] = [
  { srSize: 4, tau: 3 },
  { srSize: 1, tau: 2 },
]

describe.skipIf(torchMissing !== null)(
  `MAU forward against PyTorch${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    const ours: tf.Tensor5D[] = []
    let replies: { guesses: { shape: number[]; data: number[] } }[] = []

    beforeAll(async () => {
      await tf.setBackend('cpu')
      const requests = []
      for (const mau of CASES) {
        const model = ModelConfig.parse({
          cell: 'mau',
          hidden: [8, 8, 8],
          kernelSize: 3,
          patchSize: 2,
          imageHeight: 32,
          imageWidth: 32,
          mau,
        })
        const net = createNetwork(model, { seed: 3 })
        redrawForParity(net)
        const patched = tf.tidy(() => patchFrames(digitClips(2, 5, STEPS + 1), model.patchSize))
        const rollout = { inputFrames: INPUT_FRAMES, steps: STEPS }
        ours.push(tf.tidy(() => runSequence(net, patched, rollout).guessesBTHWC))
        requests.push({
          ...(await networkRequest(net, patched)),
          sr_size: mau.srSize,
          tau: mau.tau,
          input_frames: INPUT_FRAMES,
          steps: STEPS,
        })
        patched.dispose()
        net.dispose()
      }
      replies = runPythonJson(SCRIPT, requests)
    })

    afterAll(() => tf.dispose(ours))

    for (const [k, { srSize, tau }] of CASES.entries()) {
      it(`agrees within 1e-4 on [0, 1] digit clips (srSize ${srSize}, τ ${tau})`, () => {
        const worst = expectGuessesAgree(ours[k]!, replies[k]!.guesses)
        console.log(`MAU parity, srSize ${srSize}, τ ${tau}: max |tfjs − torch| = ${worst}`)
      })
    }
  },
)
