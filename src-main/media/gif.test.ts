import { describe, expect, it } from 'vitest'
import { composeGrid } from './frame-grid'
import { encodeGif } from './gif'

describe('encodeGif', () => {
  it('writes an animated GIF89a of the composed frames', () => {
    const tile = (v: number) => new Uint8ClampedArray(4 * 4 * 4).fill(v)
    const options = {
      tileWidth: 4,
      tileHeight: 4,
      scale: 2,
      gap: 2,
      background: [0, 0, 0] as [number, number, number],
    }
    const frames = [0, 128, 255].map((v) => composeGrid([[tile(v), tile(255 - v)]], options))
    const bytes = encodeGif(frames, 200)
    expect(new TextDecoder().decode(bytes.subarray(0, 6))).toBe('GIF89a')
    // Logical screen size, little-endian, matches the grid.
    expect(bytes[6]! | (bytes[7]! << 8)).toBe(frames[0]!.width)
    expect(bytes[8]! | (bytes[9]! << 8)).toBe(frames[0]!.height)
    // Per frame a graphic control extension (21 F9 04, delay in 1/100 s) right before an image
    // descriptor (2C), then the trailer.
    const delays: number[] = []
    bytes.forEach((b, i) => {
      if (b === 0x21 && bytes[i + 1] === 0xf9 && bytes[i + 2] === 4 && bytes[i + 8] === 0x2c) {
        delays.push(bytes[i + 4]! | (bytes[i + 5]! << 8))
      }
    })
    expect(delays).toEqual([20, 20, 20])
    expect(bytes[bytes.length - 1]).toBe(0x3b)
  })
})
