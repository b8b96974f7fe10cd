import { comparisonRows, type ComparisonRow, type HeatMapChoice } from '@media/comparison-rows'
import { figureSvg, type PngDataUri } from '@media/figure-svg'
import type { Clip } from '@media/frames'
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

function canvasOf(image: RgbaImage): HTMLCanvasElement {
  const canvas = document.createElement('canvas')
  canvas.width = image.width
  canvas.height = image.height
  canvas.getContext('2d')!.putImageData(new ImageData(image.data, image.width, image.height), 0, 0)
  return canvas
}

const canvasBlob = (canvas: HTMLCanvasElement) =>
  new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))),
      'image/png',
    ),
  )

/** An RGBA image as a PNG blob, through a canvas. */
export function pngBlob(image: RgbaImage): Promise<Blob> {
  return canvasBlob(canvasOf(image))
}

/** An RGBA image as a PNG data URI, through a canvas: the figure's frames, embedded in its SVG. */
export const pngDataUri: PngDataUri = (image) => canvasOf(image).toDataURL('image/png')

/** What the figure dialog asks for. */
export interface FigureChoice {
  zoom: number
  every: number
  context: boolean
  heat: HeatMapChoice
  format: 'svg' | 'png'
}

/**
 * The publication figure of a comparison as a file. PNG is the SVG drawn by the browser into a
 * canvas of the SVG's size, so both formats share one layout and the PNG's labels are the same
 * sans-serif text, not the 5×7 bitmap font the animated exports need main-side.
 */
export async function figureBlob(
  truth: Clip,
  predictions: { id: string; label: string; clip: Clip }[],
  inputs: Clip,
  choice: FigureChoice,
): Promise<Blob> {
  const figure = figureSvg(
    comparisonRows(truth, predictions, choice.heat),
    { zoom: choice.zoom, every: choice.every, inputs: choice.context ? inputs : null },
    pngDataUri,
  )
  const svg = new Blob([figure.svg], { type: 'image/svg+xml' })
  if (choice.format === 'svg') return svg
  const url = URL.createObjectURL(svg)
  try {
    const image = new Image()
    image.src = url
    await image.decode()
    const canvas = document.createElement('canvas')
    canvas.width = figure.width
    canvas.height = figure.height
    canvas.getContext('2d')!.drawImage(image, 0, 0)
    return await canvasBlob(canvas)
  } finally {
    URL.revokeObjectURL(url)
  }
}
