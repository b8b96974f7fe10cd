import { describe, expect, it } from 'vitest'
import { decodeClip, frameToRgba, pixelAt } from './frames'

const base64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes))

describe('frames', () => {
  it('decodes a base64 [T,H,W,C] clip and checks its size', () => {
    const clip = decodeClip({ shape: [2, 1, 2, 1], framesBase64: base64([1, 2, 3, 4]) })
    expect(Array.from(clip.bytes)).toEqual([1, 2, 3, 4])
    expect(() => decodeClip({ shape: [2, 2, 2, 1], framesBase64: base64([1]) })).toThrow(/1 bytes/)
  })

  it('turns grey and RGB frames into canvas RGBA', () => {
    const grey = decodeClip({ shape: [2, 1, 2, 1], framesBase64: base64([1, 2, 3, 4]) })
    expect(Array.from(frameToRgba(grey, 1))).toEqual([3, 3, 3, 255, 4, 4, 4, 255])
    const rgb = decodeClip({ shape: [1, 1, 1, 3], framesBase64: base64([10, 20, 30]) })
    expect(Array.from(frameToRgba(rgb, 0))).toEqual([10, 20, 30, 255])
  })

  it('reads the channels of one pixel', () => {
    const rgb = decodeClip({ shape: [1, 1, 2, 3], framesBase64: base64([1, 2, 3, 4, 5, 6]) })
    expect(pixelAt(rgb, 0, 1, 0)).toEqual([4, 5, 6])
  })
})
