import * as gifencModule from 'gifenc'
import type { RgbaImage } from './frame-grid'

// gifenc ships ESM (bundlers and browsers see named exports) and CommonJS whose names Node's
// ESM loader cannot detect (it sees only `default`): take the API from whichever arrives.
const { GIFEncoder, applyPalette, quantize }: typeof gifencModule =
  'GIFEncoder' in gifencModule && typeof gifencModule.GIFEncoder === 'function'
    ? gifencModule
    : (gifencModule as unknown as { default: typeof gifencModule }).default

/** Pixels sampled for the palette: enough for 256 colours, bounded for 8 runs × many frames. */
const PALETTE_SAMPLE_PIXELS = 1 << 20

/**
 * An endlessly looping GIF of same-sized frames. One palette for all frames, so a colour (a
 * heat-map level, a grey) does not flicker between frames.
 */
export function encodeGif(frames: RgbaImage[], delayMs: number): Uint8Array {
  const total = frames.reduce((n, f) => n + f.data.length / 4, 0)
  const stride = Math.max(1, Math.ceil(total / PALETTE_SAMPLE_PIXELS))
  const sample = new Uint8ClampedArray(Math.ceil(total / stride) * 4)
  let at = 0
  let seen = 0
  for (const frame of frames) {
    for (let p = 0; p < frame.data.length / 4; p++, seen++) {
      if (seen % stride !== 0) continue
      sample.set(frame.data.subarray(p * 4, p * 4 + 4), at)
      at += 4
    }
  }
  const palette = quantize(sample.subarray(0, at), 256)
  const gif = GIFEncoder()
  frames.forEach((frame, i) =>
    gif.writeFrame(applyPalette(frame.data, palette), frame.width, frame.height, {
      palette: i === 0 ? palette : undefined,
      delay: delayMs,
      repeat: 0,
    }),
  )
  gif.finish()
  return gif.bytes()
}
