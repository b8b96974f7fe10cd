import { PNG } from 'pngjs'
import { describe, expect, it } from 'vitest'
import { encodePng } from '../services/png'
import { comparisonRows } from './comparison-rows'
import type { Clip } from './frames'
import { figureColumns, figureSvg, type PngDataUri } from './figure-svg'
import { errorColour } from './heatmap'

/** pngjs stands in for the renderer's canvas: both write PNG data URIs. */
const pngDataUri: PngDataUri = (image) =>
  `data:image/png;base64,${Buffer.from(encodePng(image)).toString('base64')}`

/** A [T, 16, 16, 1] clip of one grey level. */
const flat = (grey: number, T: number): Clip => ({
  shape: [T, 16, 16, 1],
  bytes: new Uint8Array(T * 16 * 16).fill(grey),
})

/** Attributes of a start tag, by name. */
function attributes(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w:-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
}
const tagsOf = (svg: string, name: string) =>
  [...svg.matchAll(new RegExp(`<${name}\\b[^>]*>`, 'g'))].map((m) => attributes(m[0]))
const textsOf = (svg: string) =>
  [...svg.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) =>
    m[1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&'),
  )

/** Every element closes in order: the string is well-formed XML as far as tags go. */
function expectBalanced(svg: string) {
  const open: string[] = []
  for (const m of svg.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([\w:-]+)[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = m
    if (selfClosing) continue
    if (closing) expect(open.pop()).toBe(name)
    else open.push(name!)
  }
  expect(open).toEqual([])
}

/** The RGBA pixels of an <image>'s PNG data URI. */
function decodeImage(image: Record<string, string>): PNG {
  const href = image['xlink:href']!
  expect(href.startsWith('data:image/png;base64,')).toBe(true)
  return PNG.sync.read(Buffer.from(href.slice('data:image/png;base64,'.length), 'base64'))
}

describe('figure SVG', () => {
  const truth = flat(100, 4)
  const inputs = flat(30, 3)
  const rows = comparisonRows(
    truth,
    [
      { id: 'a', label: 'convlstm <a> & b', clip: flat(164, 4) },
      { id: 'b', label: 'tmu-target', clip: flat(90, 4) },
    ],
    { abs: true, signed: false },
  )
  const figure = figureSvg(rows, { zoom: 2, every: 1, inputs }, pngDataUri)

  it('draws the context in the truth row, then every row across the predicted frames', () => {
    expectBalanced(figure.svg)
    // Truth: 3 context + 4 predicted frames; two models and their error rows: 4 each.
    const images = tagsOf(figure.svg, 'image')
    expect(images).toHaveLength(3 + 4 + 4 * 4)
    for (const image of images) {
      expect(image.style).toBe('image-rendering:pixelated')
      expect([image.width, image.height]).toEqual(['32', '32'])
      // Inside the page the size announces.
      expect(Number(image.x) + 32).toBeLessThanOrEqual(figure.width)
      expect(Number(image.y) + 32).toBeLessThanOrEqual(figure.height)
    }
    // No two frames overlap.
    const boxes = images.map((i) => [Number(i.x), Number(i.y)] as const)
    for (const [i, [x, y]] of boxes.entries()) {
      for (const [x2, y2] of boxes.slice(i + 1)) {
        expect(Math.abs(x - x2) >= 32 || Math.abs(y - y2) >= 32).toBe(true)
      }
    }
  })

  it('labels rows and columns with vector text, sized by its viewBox', () => {
    const svg = tagsOf(figure.svg, 'svg')[0]!
    expect(svg.viewBox).toBe(`0 0 ${figure.width} ${figure.height}`)
    expect([svg.width, svg.height]).toEqual([String(figure.width), String(figure.height)])
    expect(svg['font-family']).toMatch(/sans-serif$/)
    expect(svg['xmlns:xlink']).toBe('http://www.w3.org/1999/xlink')
    const texts = textsOf(figure.svg)
    expect(texts).toEqual(
      expect.arrayContaining(['Ground truth', 'convlstm <a> & b', 'tmu-target', '|error|']),
    )
    expect(texts.filter((t) => t === '|error|')).toHaveLength(2)
    expect(texts.slice(0, 7)).toEqual(['t−2', 't−1', 't', 't+1', 't+2', 't+3', 't+4'])
    // The error rows' colour bar, its gradient defined once.
    expect(texts).toContain('|prediction − truth|, grey levels')
    expect(figure.svg.match(/<linearGradient /g)).toHaveLength(1)
    expect(tagsOf(figure.svg, 'rect').some((r) => r.fill === 'url(#figure-ramp-abs)')).toBe(true)
  })

  it("colours each error row's frames by |prediction − truth| with the heat map's ramp", () => {
    const groups = figure.svg.split('<g>').slice(1)
    const rowOf = (label: string) => groups.filter((g) => textsOf(g)[0] === label)
    const [errorOfA, errorOfB] = rowOf('|error|').map((g) => tagsOf(g, 'image'))
    // Model a predicted 164 where the truth is 100, b predicted 90.
    for (const [row, difference] of [
      [errorOfA!, 64],
      [errorOfB!, 10],
    ] as const) {
      expect(row).toHaveLength(4)
      const png = decodeImage(row[0]!)
      expect([png.width, png.height]).toEqual([16, 16])
      const expected = [...errorColour(difference / 255), 255]
      for (let p = 0; p < png.data.length; p += 4) {
        expect(Array.from(png.data.subarray(p, p + 4))).toEqual(expected)
      }
    }
    // The model's own row shows its prediction as it is; the truth's first image, its context.
    const modelRow = tagsOf(rowOf('convlstm <a> & b')[0]!, 'image')
    expect(Array.from(decodeImage(modelRow[0]!).data.subarray(0, 4))).toEqual([164, 164, 164, 255])
    const truthRow = tagsOf(rowOf('Ground truth')[0]!, 'image')
    expect(Array.from(decodeImage(truthRow[0]!).data.subarray(0, 4))).toEqual([30, 30, 30, 255])
    expect(Array.from(decodeImage(truthRow[3]!).data.subarray(0, 4))).toEqual([100, 100, 100, 255])
  })

  it('shows every k-th frame, and no context or colour bar when left out', () => {
    const plain = comparisonRows(truth, [{ id: 'a', label: 'a', clip: flat(164, 4) }], {
      abs: false,
      signed: false,
    })
    const every2 = figureSvg(plain, { zoom: 1, every: 2, inputs: null }, pngDataUri)
    expectBalanced(every2.svg)
    expect(tagsOf(every2.svg, 'image')).toHaveLength(2 * 2)
    const texts = textsOf(every2.svg)
    expect(texts).toEqual(expect.arrayContaining(['t+2', 't+4']))
    expect(texts).not.toContain('t+1')
    expect(texts).not.toContain('t')
    expect(every2.svg).not.toContain('linearGradient')
    expect(every2.width).toBeLessThan(figure.width)
  })

  it('picks lead times k, 2k, … and context frames t, t−k, … ending at t', () => {
    expect(figureColumns(10, 10, 3)).toEqual({ context: [0, 3, 6, 9], leads: [2, 5, 8] })
    expect(figureColumns(3, 4, 1)).toEqual({ context: [0, 1, 2], leads: [0, 1, 2, 3] })
    // A stride beyond the horizon shows its last frame rather than none.
    expect(figureColumns(0, 4, 9)).toEqual({ context: [], leads: [3] })
  })
})
