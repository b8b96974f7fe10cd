import { composeGrid, type RgbaImage } from '@media/frame-grid'
import { encodeGif } from '@media/gif'
import type { PlayerRow } from './player-rows'

const GAP = 4
const BACKGROUND: [number, number, number] = [24, 26, 30]

function tileSize(rows: PlayerRow[]) {
  const first = rows[0]?.panes[0]?.frames[0]
  return { tileWidth: first?.width ?? 1, tileHeight: first?.height ?? 1 }
}

/** The player as shown (rows of panes), one GIF frame per clip frame, at `zoom`. */
export function playerGif(rows: PlayerRow[], frameCount: number, zoom: number, fps: number): Blob {
  const frames = Array.from({ length: frameCount }, (_, t) =>
    composeGrid(
      rows.map((row) => row.panes.map((pane) => pane.frames[t]?.data ?? null)),
      { ...tileSize(rows), scale: zoom, gap: GAP, background: BACKGROUND },
    ),
  )
  // A clip played at "max" still needs a readable GIF delay.
  const delayMs = Math.round(1000 / Math.min(Number.isFinite(fps) ? fps : 10, 50))
  return new Blob([encodeGif(frames, delayMs) as Uint8Array<ArrayBuffer>], { type: 'image/gif' })
}

/** Every pane down, its frames across: the strip papers print. */
export function playerStrip(rows: PlayerRow[], frameCount: number, zoom: number): RgbaImage {
  const panes = rows.flatMap((row) => row.panes)
  return composeGrid(
    panes.map((pane) => Array.from({ length: frameCount }, (_, t) => pane.frames[t]?.data ?? null)),
    { ...tileSize(rows), scale: zoom, gap: GAP, background: BACKGROUND },
  )
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
