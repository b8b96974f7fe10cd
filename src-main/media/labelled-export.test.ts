import { describe, expect, it } from 'vitest'
import { comparisonRows, paneRgba } from './comparison-rows'
import { composeGrid, type RgbaImage } from './frame-grid'
import type { Clip } from './frames'
import { labelledPlayerFrames, labelledPlayerStrip } from './labelled-export'

/** A [T, 16, 16, 1] clip of distinct grey levels. */
function clip(seed: number, T = 3): Clip {
  const bytes = Uint8Array.from({ length: T * 16 * 16 }, (_, i) => (i * 7 + seed * 53) % 256)
  return { shape: [T, 16, 16, 1], bytes }
}

const rows = comparisonRows(clip(0), [{ id: 'a', label: 'convlstm-a', clip: clip(1) }], {
  abs: true,
  signed: false,
})
const pixel = (img: RgbaImage, x: number, y: number) =>
  Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3))
const BACKGROUND = [24, 26, 30]

/** Where `part` sits inside `image`, pixel for pixel, or undefined. */
function find(image: RgbaImage, part: RgbaImage): { x: number; y: number } | undefined {
  for (let y = 0; y + part.height <= image.height; y++) {
    for (let x = 0; x + part.width <= image.width; x++) {
      let same = true
      for (let py = 0; py < part.height && same; py++) {
        const a = image.data.subarray(
          ((y + py) * image.width + x) * 4,
          ((y + py) * image.width + x + part.width) * 4,
        )
        const b = part.data.subarray(py * part.width * 4, (py + 1) * part.width * 4)
        same = a.every((v, i) => v === b[i])
      }
      if (same) return { x, y }
    }
  }
  return undefined
}

/** Pixels of a region that are neither background nor frame: text or colour bar. */
function inked(image: RgbaImage, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) if (pixel(image, x, y).some((v, c) => v !== BACKGROUND[c])) n++
  }
  return n
}

describe('labelled exports', () => {
  it('draw the unlabelled strip unchanged, with names and t+k beside it', () => {
    const panes = rows.flatMap((r) => r.panes)
    const unlabelled = composeGrid(
      panes.map((p) => [0, 1, 2].map((t) => paneRgba(p, t))),
      { tileWidth: 16, tileHeight: 16, scale: 2, gap: 4, background: [24, 26, 30] },
    )
    const strip = labelledPlayerStrip(rows, 3, { zoom: 2, inputFrames: 4 })
    const at = find(strip, unlabelled)
    expect(at).toBeDefined()
    // Left of the frames: a name per row; above them: t+1 … t+3.
    expect(inked(strip, 0, at!.y, at!.x, at!.y + unlabelled.height)).toBeGreaterThan(100)
    expect(inked(strip, at!.x, 0, strip.width, at!.y)).toBeGreaterThan(30)
    // Below them: the |error| colour bar, with its scale.
    expect(inked(strip, 0, at!.y + unlabelled.height, strip.width, strip.height)).toBeGreaterThan(
      500,
    )
  })

  it('title each animation frame with its own t+k', () => {
    const frames = labelledPlayerFrames(rows, 3, { zoom: 2, inputFrames: 4 })
    expect(frames).toHaveLength(3)
    expect(new Set(frames.map((f) => `${f.width}x${f.height}`)).size).toBe(1)
    const title = (f: RgbaImage) => f.data.subarray(0, f.width * 4 * 16).join()
    expect(title(frames[0]!)).not.toBe(title(frames[1]!))
    // The truth of frame 1 is in frame 1's image, at zoom 2.
    const truth = composeGrid([[paneRgba(rows[0]!.panes[0]!, 1)]], {
      tileWidth: 16,
      tileHeight: 16,
      scale: 2,
      gap: 0,
      background: [24, 26, 30],
    })
    expect(find(frames[1]!, truth)).toBeDefined()
  })
})
