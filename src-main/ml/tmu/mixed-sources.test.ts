import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import {
  CellKind,
  isRecurrentCell,
  ModelConfig,
  reverseSamplingFor,
  TrainConfig,
} from '../../domain/model'
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

function zoo(
  cells: readonly CellKind[] = ['predrnnpp', 'predrnnv2', 'mim', 'mau', 'convlstm'],
): TmuSource[] {
  return cells.map((cell, k) => ({
    name: `${cell}-source-${k + 1}`,
    // MAU's T lives on its reduced grid: at srSize 1 it is the target's (docs/method.md §2.9).
    network: createNetwork(
      ModelConfig.parse({
        ...geometry,
        cell,
        hidden: [8, 8],
        ...(cell === 'mau' ? { mau: { srSize: 1, tau: 3 } } : {}),
      }),
      { seed: 21 + k, trainable: false },
    ),
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

  // The TMU beside each other backbone's own cell (tmu-backbone-cell.ts), at layer 1, fed by
  // the zoo's PredRNN++ and ConvLSTM sources; an E3D-LSTM target by two E3D-LSTM sources, the
  // only ones whose memory windows it can read (docs/method.md §2.12).
  for (const cell of CellKind.options.filter((c) => c !== 'convlstm' && isRecurrentCell(c))) {
    const sourceCells: CellKind[] = cell === 'e3d' ? ['e3d', 'e3d'] : ['predrnnpp', 'convlstm']
    it(`trains a ${cell} TMU target on ${sourceCells.join(' and ')} sources, on the default backend`, async () => {
      await initBackend('auto')
      const sources = zoo(sourceCells)
      const clips = digitClips(4, 9, CLIP_FRAMES)
      const target = ModelConfig.parse({
        ...geometry,
        cell,
        hidden: [8, 8],
        tmu: { sources: 2 },
        // A MAU target's T must be on its sources' grid as well.
        ...(cell === 'mau' ? { mau: { srSize: 1, tau: 3 } } : {}),
      })
      const train = TrainConfig.parse({
        inputFrames: INPUT_FRAMES,
        outputFrames: CLIP_FRAMES - INPUT_FRAMES,
        batchSize: 4,
        learningRate: 3e-3,
        etaDecay: 0.05,
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
  }
})
