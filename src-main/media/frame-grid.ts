export interface RgbaImage {
  width: number
  height: number
  data: Uint8ClampedArray<ArrayBuffer>
}

export interface GridOptions {
  /** Size of every tile's RGBA source, in image pixels. */
  tileWidth: number
  tileHeight: number
  /** Integer nearest-neighbour magnification, as the player's zoom. */
  scale: number
  /** Gap between tiles, in output pixels. */
  gap: number
  background: [number, number, number]
}

/**
 * Lays out RGBA tiles in rows × columns, magnified by nearest neighbour; a null tile leaves its
 * cell as background. One function serves the GIF (one grid per frame: panes as shown) and the
 * PNG strip (frames across, models down).
 */
export function composeGrid(
  tiles: (Uint8ClampedArray | null)[][],
  options: GridOptions,
): RgbaImage {
  const { tileWidth: w, tileHeight: h, scale, gap } = options
  const columns = Math.max(0, ...tiles.map((row) => row.length))
  const cellW = w * scale
  const cellH = h * scale
  const width = Math.max(1, columns * cellW + (columns - 1) * gap)
  const height = Math.max(1, tiles.length * cellH + (tiles.length - 1) * gap)
  const data = new Uint8ClampedArray(width * height * 4)
  const [r, g, b] = options.background
  for (let p = 0; p < data.length; p += 4) {
    data[p] = r
    data[p + 1] = g
    data[p + 2] = b
    data[p + 3] = 255
  }
  tiles.forEach((row, ri) =>
    row.forEach((tile, ci) => {
      if (!tile) return
      const x0 = ci * (cellW + gap)
      const y0 = ri * (cellH + gap)
      for (let y = 0; y < cellH; y++) {
        const srcRow = Math.floor(y / scale) * w
        const dstRow = ((y0 + y) * width + x0) * 4
        for (let x = 0; x < cellW; x++) {
          const s = (srcRow + Math.floor(x / scale)) * 4
          data.set(tile.subarray(s, s + 4), dstRow + x * 4)
        }
      }
    }),
  )
  return { width, height, data }
}
