import { describe, expect, it } from 'vitest'
import { composeGrid } from './frame-grid'

const px = (v: number) => new Uint8ClampedArray([v, v, v, 255])
const pixel = (img: { width: number; data: Uint8ClampedArray }, x: number, y: number) =>
  img.data[(y * img.width + x) * 4]

describe('composeGrid', () => {
  const options = { tileWidth: 1, tileHeight: 1, scale: 2, gap: 1, background: [9, 9, 9] as const }

  it('places tiles in rows and columns with gaps, magnified by nearest neighbour', () => {
    const img = composeGrid(
      [
        [px(10), px(20)],
        [px(30), null],
      ],
      { ...options, background: [9, 9, 9] },
    )
    expect([img.width, img.height]).toEqual([5, 5])
    expect([pixel(img, 0, 0), pixel(img, 1, 1), pixel(img, 3, 0), pixel(img, 4, 1)]).toEqual([
      10, 10, 20, 20,
    ])
    expect(pixel(img, 2, 0)).toBe(9)
    expect(pixel(img, 0, 3)).toBe(30)
    expect(pixel(img, 3, 3)).toBe(9)
  })

  it('keeps pixel order within a tile', () => {
    const tile = new Uint8ClampedArray([1, 1, 1, 255, 2, 2, 2, 255, 3, 3, 3, 255, 4, 4, 4, 255])
    const img = composeGrid([[tile]], {
      ...options,
      tileWidth: 2,
      tileHeight: 2,
      scale: 1,
      background: [0, 0, 0],
    })
    expect([0, 1, 2, 3].map((i) => img.data[i * 4])).toEqual([1, 2, 3, 4])
  })
})
