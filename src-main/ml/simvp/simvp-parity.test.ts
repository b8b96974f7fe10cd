import * as tf from '@tensorflow/tfjs'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { ModelConfig, type NonRecurrentCellKind } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { expectGuessesAgree, plainTensor, pytorchWeights } from '../../testing/pytorch-parity'
import { forecastSimVp } from './simvp-forecast'
import { createSimVpNetwork } from './simvp-network'

const SCRIPT = new URL('./fixtures/simvp_reference.py', import.meta.url).pathname
const missing = await pytorchUnavailable()

/**
 * 32×32 digit clips, Tin = 4, 4 ConvSC blocks of 8, 3 translator blocks of 32 → 16 → 16 → 32
 * channels (MixMlp ×2; TAU's SE branch 8 and 4 wide).
 */
const sizes = {
  inputFrames: 4,
  spatialChannels: 8,
  translatorChannels: 16,
  spatialBlocks: 4,
  translatorBlocks: 3,
  encoderKernel: 3,
  decoderKernel: 5,
  mlpRatio: 2,
}

const CASES: { cell: NonRecurrentCellKind; label: string; translator: string }[] = [
  { cell: 'simvp', label: 'SimVP + gSTA', translator: 'gsta' },
  { cell: 'tau', label: 'TAU', translator: 'tau' },
]

describe.skipIf(missing !== null)(
  `SimVP + gSTA and TAU forward against PyTorch${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    const ours: tf.Tensor5D[] = []
    let replies: { guesses: { shape: number[]; data: number[] } }[] = []

    // One Python process for both: importing torch is most of its time.
    beforeAll(async () => {
      await tf.setBackend('cpu')
      const clip = digitClips(2, 5, 8)
      const context = tf.tidy(() => clip.slice([0, 0], [-1, 4]) as tf.Tensor5D)
      const framesNCHW = tf.tidy(() => tf.transpose(context, [0, 1, 4, 2, 3]))
      const requests = []
      for (const { cell, translator } of CASES) {
        const net = parityNetwork(cell)
        ours.push(forecastSimVp(net, context, 4, { training: false }))
        requests.push({
          translator,
          hid_s: sizes.spatialChannels,
          hid_t: sizes.translatorChannels,
          n_s: sizes.spatialBlocks,
          n_t: sizes.translatorBlocks,
          enc_k: sizes.encoderKernel,
          dec_k: sizes.decoderKernel,
          mlp_ratio: sizes.mlpRatio,
          input_frames: sizes.inputFrames,
          channels: 1,
          weights: await pytorchWeights(net),
          frames: plainTensor(framesNCHW),
        })
        net.dispose()
      }
      replies = runPythonJson(SCRIPT, requests)
      tf.dispose([clip, context, framesNCHW])
    }, 120_000)

    afterAll(() => tf.dispose(ours))

    for (const [k, { label }] of CASES.entries()) {
      it(`${label} predicts what the PyTorch model written from the paper does, within 1e-4`, () => {
        const worst = expectGuessesAgree(ours[k]!, replies[k]!.guesses)
        console.log(`${label} parity: max |tfjs − torch| = ${worst}`)
      })
    }
  },
)

/** The network with every path weighing in: norms and layer scales off 1 and 0, running estimates spread. */
function parityNetwork(cell: NonRecurrentCellKind) {
  const model = ModelConfig.parse({
    cell,
    patchSize: 1,
    imageHeight: 32,
    imageWidth: 32,
    simvp: sizes,
  })
  const net = createSimVpNetwork(model, { seed: 3 })
  tf.tidy(() => {
    net.params.entries().forEach((e, k) => {
      const [low, high] = e.name.endsWith('running_var') ? [0.5, 1.5] : [-0.3, 0.3]
      const shift = e.variable.rank === 1 && /weight|layer_scale/.test(e.name) ? 0.7 : 0
      const drawn = tf.randomUniform(e.variable.shape, low, high, 'float32', k)
      e.variable.assign(tf.add(drawn, shift))
    })
  })
  return net
}
