import * as tf from '@tensorflow/tfjs'
import { beforeAll, describe, expect, it } from 'vitest'
import { clipsToTensor } from './clip-tensor'

describe('clipsToTensor', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('keeps the first frames of each longer clip, in [0, 1]', async () => {
    // 2 clips of 3 frames of 1×2 pixels: pixel values count up from 0.
    const bytes = Uint8Array.from({ length: 2 * 3 * 2 }, (_, i) => i * 10)
    const clips = clipsToTensor(bytes, [2, 3, 1, 2, 1], 2)
    expect(clips.shape).toEqual([2, 2, 1, 2, 1])
    const values = Array.from(await clips.data()).map((v) => Math.round(v * 255))
    clips.dispose()
    expect(values).toEqual([0, 10, 20, 30, 60, 70, 80, 90])
  })
})
