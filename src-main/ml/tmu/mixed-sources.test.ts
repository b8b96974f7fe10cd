import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { ModelConfig, reverseSamplingFor, TrainConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { initBackend } from '../backend'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'
import { recordSourceMemories } from './memory-bank'
import type { TmuSource } from './sources'
import { createTmuTrainer } from './tmu-trainer'

/**
 * A zoo of five architectures: a ConvLSTM TMU target fed by a PredRNN++, a PredRNN-V2, a MIM,
 * a MAU and a ConvLSTM source (docs/method.md §2.6–§2.9, §3.2). The memory bank reads each
 * one's layer-1 memory (the Causal LSTM's and the ST-LSTM's C, the MIM block's C, MAU's T on
 * an unreduced grid), [B, h, w, hidden] like ConvLSTM's, and the target trains on them at the
 * tiny study's shapes, with PredRNN-V2's reverse sampling, which the sources follow.
 */

const geometry = { kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 }
const INPUT_FRAMES = 5
const CLIP_FRAMES = 10

function zoo(): TmuSource[] {
  const configs = [
    ModelConfig.parse({ ...geometry, cell: 'predrnnpp', hidden: [8, 8] }),
    ModelConfig.parse({ ...geometry, cell: 'predrnnv2', hidden: [8, 8] }),
    ModelConfig.parse({ ...geometry, cell: 'mim', hidden: [8, 8] }),
    ModelConfig.parse({ ...geometry, cell: 'mau', hidden: [8, 8], mau: { srSize: 1, tau: 3 } }),
    ModelConfig.parse({ ...geometry, hidden: [8, 8] }),
  ]
  return configs.map((config, k) => ({
    name: `${config.cell}-source`,
    network: createNetwork(config, { seed: 21 + k, trainable: false }),
  }))
}

describe('TMU target with PredRNN++, PredRNN-V2, MIM, MAU and ConvLSTM sources', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('banks every source’s memory and trains on the default backend, loss falling', async () => {
    // `auto`, as a user's run gets it (onednn wherever its addon is built, as in CI).
    await initBackend('auto')
    const sources = zoo()
    const clips = digitClips(4, 9, CLIP_FRAMES)

    const patched = patchFrames(clips, geometry.patchSize)
    for (const { name, network } of sources) {
      const bank = recordSourceMemories(network, patched, {
        inputFrames: INPUT_FRAMES,
        truthMaskBP: null,
        layers: [0],
      })
      const memories = bank.byLayer[0]!
      expect(memories, name).toHaveLength(CLIP_FRAMES - 1)
      expect(memories[0]!.shape, name).toEqual([4, 8, 8, 8])
      const largest = tf.tidy(() => tf.max(tf.abs(memories.at(-1)!)).dataSync()[0]!)
      expect(largest, name).toBeGreaterThan(0)
      bank.dispose()
    }
    patched.dispose()

    const target = ModelConfig.parse({ ...geometry, hidden: [8, 8], tmu: { sources: 5 } })
    const train = TrainConfig.parse({
      inputFrames: INPUT_FRAMES,
      outputFrames: CLIP_FRAMES - INPUT_FRAMES,
      batchSize: 4,
      learningRate: 3e-3,
      reverseInput: true,
      etaDecay: 0.05,
      sampling: 'reverse',
      ...reverseSamplingFor(4),
    })
    const trainer = createTmuTrainer(target, train, sources)
    const losses: number[] = []
    for (let iteration = 0; iteration < 4; iteration++) {
      losses.push((await trainer.step(clips)).loss)
    }
    trainer.dispose()
    sources.forEach((s) => s.network.dispose())
    clips.dispose()
    expect(losses.every(Number.isFinite), `losses ${losses.join(', ')}`).toBe(true)
    expect(losses.at(-1)!, `losses ${losses.join(', ')}`).toBeLessThan(losses[0]!)
  })
})
