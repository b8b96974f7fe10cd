import * as tf from '@tensorflow/tfjs'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { patchFrames, unpatchFrames } from './patching'

describe('patching', () => {
  let tensorsBefore = 0
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })
  afterEach(() => expect(tf.memory().numTensors).toBe(tensorsBefore))

  it('puts pixel (y, x, c) at patch (y div p, x div p), channel (y mod p)·p·C + (x mod p)·C + c', () => {
    tensorsBefore = tf.memory().numTensors
    const [B, T, H, W, C, p] = [2, 3, 6, 4, 2, 2]
    const frames = tf.tidy(() =>
      tf.range(0, B * T * H * W * C).reshape([B, T, H, W, C]),
    ) as tf.Tensor5D
    const patched = patchFrames(frames, p)
    expect(patched.shape).toEqual([B, T, H / p, W / p, p * p * C])
    const image = frames.arraySync()
    const out = patched.arraySync()
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let y = 0; y < H; y++)
          for (let x = 0; x < W; x++)
            for (let c = 0; c < C; c++) {
              const channel = (y % p) * p * C + (x % p) * C + c
              const got = out[b]?.[t]?.[Math.floor(y / p)]?.[Math.floor(x / p)]?.[channel]
              expect(got).toBe(image[b]?.[t]?.[y]?.[x]?.[c])
            }
    tf.dispose([frames, patched])
  })

  it('round-trips', () => {
    tensorsBefore = tf.memory().numTensors
    const maxError = tf.tidy(() => {
      const frames = tf.randomUniform([1, 2, 8, 12, 3]) as tf.Tensor5D
      const back = unpatchFrames(patchFrames(frames, 4), 4)
      expect(back.shape).toEqual(frames.shape)
      return tf.max(tf.abs(tf.sub(back, frames))).dataSync()[0]
    })
    expect(maxError).toBe(0)
  })
})
