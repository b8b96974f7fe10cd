import * as tf from '@tensorflow/tfjs'
import { describe, expect, it } from 'vitest'
import { ModelConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { pytorchUnavailable, runPythonJson } from '../../testing/pytorch'
import { expectGuessesAgree, plainTensor, pytorchWeights } from '../../testing/pytorch-parity'
import { forecastSimVp } from './simvp-forecast'
import { createSimVpNetwork } from './simvp-network'

const SCRIPT = new URL('./fixtures/simvp_reference.py', import.meta.url).pathname
const missing = await pytorchUnavailable()

/** 32×32 digit clips, Tin = 4, 4 ConvSC blocks of 8, 3 gSTA blocks of 16 (MixMlp ×2). */
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

describe.skipIf(missing !== null)(
  `SimVP + gSTA forward against PyTorch${missing ? ` (skipped: ${missing})` : ''}`,
  () => {
    it('predicts what the PyTorch model written from the paper does, within 1e-4', async () => {
      await tf.setBackend('cpu')
      const model = ModelConfig.parse({
        cell: 'simvp',
        patchSize: 1,
        imageHeight: 32,
        imageWidth: 32,
        simvp: sizes,
      })
      const net = createSimVpNetwork(model, { seed: 3 })
      // Every path weighing in: norms and layer scales off 1 and 0, running estimates spread.
      tf.tidy(() => {
        net.params.entries().forEach((e, k) => {
          const [low, high] = e.name.endsWith('running_var') ? [0.5, 1.5] : [-0.3, 0.3]
          const shift = e.variable.rank === 1 && /weight|layer_scale/.test(e.name) ? 0.7 : 0
          const drawn = tf.randomUniform(e.variable.shape, low, high, 'float32', k)
          e.variable.assign(tf.add(drawn, shift))
        })
      })
      const clip = digitClips(2, 5, 8)
      const context = tf.tidy(() => clip.slice([0, 0], [-1, 4]) as tf.Tensor5D)
      const ours = forecastSimVp(net, context, 4, { training: false })
      const framesNCHW = tf.tidy(() => tf.transpose(context, [0, 1, 4, 2, 3]))
      const [reply] = runPythonJson<{ guesses: { shape: number[]; data: number[] } }[]>(SCRIPT, [
        {
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
        },
      ])
      const worst = expectGuessesAgree(ours, reply!.guesses)
      expect(worst).toBeLessThan(1e-4)
      tf.dispose([clip, context, ours, framesNCHW])
      net.dispose()
    }, 120_000)
  },
)
