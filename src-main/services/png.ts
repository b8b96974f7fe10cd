import { PNG } from 'pngjs'
import type { RgbaImage } from '../media/frame-grid'

/** An RGBA image as PNG bytes (pngjs: pure JavaScript, already how `tmu predict` writes PNG). */
export function encodePng(image: RgbaImage): Uint8Array {
  const png = new PNG({ width: image.width, height: image.height })
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength)
  return PNG.sync.write(png)
}
