import type { ComparisonRow } from '@media/comparison-rows'
import type { RgbaImage } from '@media/frame-grid'
import { encodeGif } from '@media/gif'
import { labelledPlayerFrames, type ExportOptions } from '@media/labelled-export'

/**
 * The player as shown, one GIF frame per predicted frame, labelled (run names, t+k, colour
 * bars) as the MP4 the main side encodes from the same layout.
 */
export function playerGif(
  rows: ComparisonRow[],
  frameCount: number,
  options: ExportOptions,
  fps: number,
): Blob {
  const frames = labelledPlayerFrames(rows, frameCount, options)
  return new Blob(
    [encodeGif(frames, Math.round(1000 / exportFps(fps))) as Uint8Array<ArrayBuffer>],
    {
      type: 'image/gif',
    },
  )
}

/** A clip played at "max" still needs a frame rate an animation can carry. */
export function exportFps(fps: number): number {
  return Math.min(Number.isFinite(fps) ? fps : 10, 50)
}

/** An RGBA image as a PNG blob, through a canvas. */
export function pngBlob(image: RgbaImage): Promise<Blob> {
  const canvas = document.createElement('canvas')
  canvas.width = image.width
  canvas.height = image.height
  canvas.getContext('2d')!.putImageData(new ImageData(image.data, image.width, image.height), 0, 0)
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))),
      'image/png',
    ),
  )
}
