import type { ClipTmuMaps } from '@contract/index'
import { bytesFromBase64 } from '@media/base64'
import { VALUE_LUT_RGBA, valueColourBar } from '@media/heatmap'
import type { PlayerPane, PlayerRow } from './player-rows'

/**
 * A TMU run's maps (`runs.tmuMaps`) as player panes beside its prediction (docs/method.md
 * §3.10): per source its transfer gate T_m (scale 0 … 1) and |D_m − C̃| (one scale for every
 * source, so they compare), then |C| (its own scale), each drawn nearest from the patch grid
 * h×w at the frame's size, so a map's cell sits over the prediction pixels it shaped.
 */

/** One map: values of h×w cells, row-major. */
export interface MapPlane {
  values: Float32Array
  height: number
  width: number
}

/** The float32 planes of a reply, [layer][lead time][plane][y][x] (the contract's order). */
export function decodeTmuMaps(maps: ClipTmuMaps): Float32Array {
  // A fresh buffer of exactly these bytes, so aligned for float32.
  return new Float32Array(bytesFromBase64(maps.mapsBase64).buffer)
}

/** Plane p of layer j at lead time t. */
export function planeAt(maps: ClipTmuMaps, values: Float32Array, j: number, t: number, p: number) {
  const planes = 2 * maps.sources.length + 1
  const size = maps.height * maps.width
  const start = ((j * maps.leadTimes + t) * planes + p) * size
  return { values: values.subarray(start, start + size), height: maps.height, width: maps.width }
}

/** RGBA of a map on the scale 0 … max, one pixel per cell (the canvas magnifies it, nearest). */
export function mapToRgba(plane: MapPlane, max: number): Uint8ClampedArray<ArrayBuffer> {
  const rgba = new Uint8ClampedArray(plane.values.length * 4)
  const scale = max > 0 ? 255 / max : 0
  plane.values.forEach((v, i) => {
    // NaN (a diverged memory) lands on the ramp's low end rather than on garbage.
    const level = Math.min(255, Math.max(0, Math.round(v * scale))) || 0
    for (let k = 0; k < 4; k++) rgba[i * 4 + k] = VALUE_LUT_RGBA[level * 4 + k]!
  })
  return rgba
}

/** The map value under frame pixel (x, y). */
export function mapValueAt(
  plane: MapPlane,
  x: number,
  y: number,
  frameHeight: number,
  frameWidth: number,
) {
  const row = Math.floor((y * plane.height) / frameHeight)
  const column = Math.floor((x * plane.width) / frameWidth)
  return plane.values[row * plane.width + column]!
}

/** The largest finite value of the planes (0 if none): one scale over every lead time. */
export function finiteMax(planes: MapPlane[]): number {
  let max = 0
  for (const p of planes) for (const v of p.values) if (Number.isFinite(v) && v > max) max = v
  return max
}

const formatValue = (v: number) =>
  Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : String(v)

/**
 * The row of one TMU run's maps at TMU layer `layer` (index into `maps.layers`), `frameCount`
 * frames of `frameHeight`×`frameWidth` (the player's clock: lead time t+1 is frame 0).
 */
export function tmuMapRow(
  id: string,
  runName: string,
  maps: ClipTmuMaps,
  frame: { count: number; height: number; width: number },
  layer = 0,
): PlayerRow {
  const values = decodeTmuMaps(maps)
  const M = maps.sources.length
  const count = Math.min(frame.count, maps.leadTimes)
  const series = (p: number) =>
    Array.from({ length: count }, (_, t) => planeAt(maps, values, layer, t, p))
  const gates = maps.sources.map((_, m) => series(m))
  const departures = maps.sources.map((_, m) => series(M + m))
  const memory = series(2 * M)
  const departureMax = finiteMax(departures.flat())
  const memoryMax = finiteMax(memory)
  const upscale = frame.height / maps.height
  const pane = (
    key: string,
    label: string,
    planes: MapPlane[],
    max: number,
    symbol: string,
  ): PlayerPane => ({
    id: `${id}-${key}`,
    label,
    // One image pixel per cell, drawn `upscale` times larger (nearest): what upsampling to the
    // frame size would show, with a sixteenth of the pixels to put per frame (patch 4).
    frames: planes.map((p) => new ImageData(mapToRgba(p, max), p.width, p.height)),
    upscale,
    probe: (t, x, y) => {
      const plane = planes[t]
      return plane
        ? `${symbol} = ${formatValue(mapValueAt(plane, x, y, frame.height, frame.width))}`
        : ''
    },
  })
  const panes = [
    ...maps.sources.map((source, m) => pane(`gate-${m}`, `T · ${source}`, gates[m]!, 1, 'T')),
    ...maps.sources.map((source, m) =>
      pane(`departure-${m}`, `|D − C̃| · ${source}`, departures[m]!, departureMax, '|D − C̃|'),
    ),
    pane('memory', '|C|', memory, memoryMax, '|C|'),
  ]
  return {
    id,
    label: `${runName} · TMU maps`,
    panes,
    note: `${runName}: TMU layer ${maps.layers[layer]}, transfer gate per source, its distiller's departure from the target's memory and the carried memory |C|, channel means on the ${maps.height}×${maps.width} patch grid (each cell ${upscale}×${upscale} pixels)`,
    bars: [
      valueColourBar('transfer gate T', 1),
      valueColourBar('|D − C̃|, channel mean', departureMax),
      valueColourBar('|C|, channel mean', memoryMax),
    ],
  }
}

/** The row saying, in words, why a TMU run shows no maps for this clip. */
export function missingMapsRow(
  id: string,
  runName: string,
  clip: number,
  keptClips: number,
): PlayerRow {
  return {
    id,
    label: `${runName} · TMU maps`,
    panes: [],
    note: `${runName} has no TMU maps for test clip ${clip}: a TMU run keeps them for its first ${keptClips} test clips, from evaluations made since the maps were kept (evaluate the run again to add them).`,
  }
}
