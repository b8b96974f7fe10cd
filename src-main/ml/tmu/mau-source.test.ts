import * as tf from '@tensorflow/tfjs'
import { afterAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../../domain/model'
import { digitClips } from '../../testing/digit-clips'
import { initBackend } from '../backend'
import { createNetwork } from '../network'
import { patchFrames } from '../patching'
import { checkTmuCompatibility } from './compatibility'
import { recordSourceMemories } from './memory-bank'
import { createTmuTrainer } from './tmu-trainer'

/**
 * MAU as a TMU source (docs/method.md §2.9, §3.2): the memory bank reads its temporal state T,
 * which needs the target's grid, so a MAU with srSize 1 feeds a ConvLSTM TMU target and one
 * that reduces its grid is refused in words.
 */

const geometry = { kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 }
const INPUT_FRAMES = 5
const CLIP_FRAMES = 10

describe('TMU target with a MAU source', () => {
  afterAll(async () => {
    await initBackend('cpu')
  })

  it('refuses a MAU whose srSize leaves its memory on a coarser grid, saying both grids', () => {
    const target = ModelConfig.parse({ ...geometry, hidden: [8, 8], tmu: { sources: 1 } })
    const reduced = ModelConfig.parse({ ...geometry, cell: 'mau', hidden: [8, 8] })
    expect(() => checkTmuCompatibility(target, [{ name: 'mau-4', config: reduced }])).toThrow(
      'source "mau-4" is a MAU network with srSize 4: its memory T lives on 2×2 cells, the target\'s on 8×8; only a MAU with srSize 1 can feed a TMU layer',
    )
  })

  it('banks T of a MAU with srSize 1 and trains the target on the default backend, loss falling', async () => {
    // `auto`, as a user's run gets it (onednn wherever its addon is built, as in CI).
    await initBackend('auto')
    const before = tf.memory().numTensors
    const config = ModelConfig.parse({
      ...geometry,
      cell: 'mau',
      hidden: [8, 8],
      mau: { srSize: 1, tau: 3 },
    })
    const target = ModelConfig.parse({ ...geometry, hidden: [8, 8], tmu: { sources: 1 } })
    checkTmuCompatibility(target, [{ name: 'mau-source', config }])
    const source = {
      name: 'mau-source',
      network: createNetwork(config, { seed: 21, trainable: false }),
    }
    const clips = digitClips(4, 9, CLIP_FRAMES)

    const patched = patchFrames(clips, geometry.patchSize)
    const bank = recordSourceMemories(source.network, patched, {
      inputFrames: INPUT_FRAMES,
      truthMaskBP: null,
      layers: [0],
    })
    const memories = bank.byLayer[0]!
    expect(memories).toHaveLength(CLIP_FRAMES - 1)
    expect(memories[0]!.shape).toEqual([4, 8, 8, 8])
    expect(tf.tidy(() => tf.max(tf.abs(memories.at(-1)!)).dataSync()[0]!)).toBeGreaterThan(0)
    bank.dispose()
    patched.dispose()

    const train = TrainConfig.parse({
      inputFrames: INPUT_FRAMES,
      outputFrames: CLIP_FRAMES - INPUT_FRAMES,
      batchSize: 4,
      learningRate: 3e-3,
      etaDecay: 0.05,
    })
    const trainer = createTmuTrainer(target, train, [source])
    const losses: number[] = []
    for (let iteration = 0; iteration < 4; iteration++) {
      losses.push((await trainer.step(clips)).loss)
    }
    trainer.dispose()
    source.network.dispose()
    clips.dispose()
    expect(losses.every(Number.isFinite), `losses ${losses.join(', ')}`).toBe(true)
    expect(losses.at(-1)!, `losses ${losses.join(', ')}`).toBeLessThan(losses[0]!)
    expect(tf.memory().numTensors).toBe(before)
  })
})
