import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'
import { DataError } from '../errors'
import type { Frame } from './clip-cutter'
import { hasExtension } from './sequence-files'

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const

/** jpeg-js refuses larger images by default; frames for prediction are far smaller anyway. */
const MAX_JPEG_MEGAPIXELS = 100

/**
 * Decodes a PNG or JPEG to an HWC frame with 1 channel when the image is gray, else 3 (alpha is
 * dropped: frames are opaque). Any decoder failure names the file.
 */
export function decodeImage(file: string, bytes: Uint8Array): Frame {
  let rgba: { width: number; height: number; data: Uint8Array }
  let gray: boolean
  try {
    if (hasExtension(file, ['.png'])) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      rgba = png
      gray = !png.color
    } else {
      rgba = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_JPEG_MEGAPIXELS,
      })
      // JPEG does not say whether it is gray once decoded to RGBA; equal channels do.
      gray = isGray(rgba.data)
    }
  } catch (error) {
    throw new DataError(file, `unreadable image (${(error as Error).message})`)
  }
  const pixels = rgba.width * rgba.height
  const channels = gray ? 1 : 3
  const data = new Uint8Array(pixels * channels)
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) data[p * channels + c] = rgba.data[p * 4 + c] as number
  }
  return { data, height: rgba.height, width: rgba.width, channels, file }
}

function isGray(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false
  }
  return true
}
