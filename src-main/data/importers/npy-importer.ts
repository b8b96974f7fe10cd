import { open, type FileHandle } from 'node:fs/promises'
import { DataError } from '../errors'
import {
  assertFrameDtype,
  readNpyElements,
  readNpyHeader,
  type NpyHeader,
  type NpyValues,
} from '../npy'
import {
  detectFloatScale,
  scanValueRange,
  toUint8,
  type FloatScale,
  type ValueRange,
} from '../values'
import { clipsInSequence, createFrameConverter, noClipsError } from './clip-cutter'
import { clipDims, detectNpyLayout, NPY_LAYOUTS, type ClipDims, type NpyLayout } from './npy-layout'
import { resolveImportOptions, runImport } from './run-import'
import {
  previewFrameIndices,
  type ImportOptions,
  type Importer,
  type LayoutAlternative,
} from './types'

export interface NpyImportOptions extends ImportOptions {
  /** Axis order; detected from the shape when absent. */
  layout?: NpyLayout
  /** Float input only: [0, 1] or [0, 255]; detected from the data's maximum when absent. */
  floatScale?: FloatScale
}

/** Bytes read per step: large enough for few syscalls, small enough to bound memory. */
const BLOCK_BYTES = 16 << 20

/** A .npy of clips, one clip per sequence; the whole file is never in memory at once. */
export const npyImporter: Importer<NpyImportOptions> = {
  name: 'npy',
  version: '1',

  async preview(path, options = {}) {
    return withNpy(path, async (handle, header) => {
      const layout = options.layout ?? detectNpyLayout(header.shape, path)
      const dims = clipDims(header.shape, layout, path)
      const resolved = resolveImportOptions(options, dims.T)
      const plan = planClips(header.shape, layout, dims, options, path)
      const raw = await readClipValues(handle, header, layout, dims, 0, 1)
      const valueRange = scanValueRange(raw, path)
      const scale = options.floatScale ?? detectFloatScale(valueRange)
      const clip = toNTHWC(toUint8(raw, scale, path), layout, dims, 1)
      const converter = createFrameConverter(resolved)
      const frameBytes = dims.H * dims.W * dims.C
      const frames = previewFrameIndices(dims.T, resolved).map((i) =>
        converter.convert({
          data: clip.subarray(i * frameBytes, (i + 1) * frameBytes),
          height: dims.H,
          width: dims.W,
          channels: dims.C,
          file: path,
        }),
      )
      const size = converter.size!
      const sampleFramesTHWC = new Uint8Array(frames.reduce((n, f) => n + f.length, 0))
      frames.forEach((f, i) => sampleFramesTHWC.set(f, i * f.length))
      return {
        file: path,
        format: 'npy',
        dtype: header.dtype,
        sourceShape: header.shape,
        layout,
        valueRange,
        sequenceCount: dims.N,
        clipShape: { T: resolved.clipLength, H: size.height, W: size.width, C: size.channels },
        clipCount: plan.clipCount,
        layoutAlternatives: plan.alternatives,
        sampleFramesTHWC,
        sampleShape: [frames.length, size.height, size.width, size.channels],
      }
    })
  },

  async importTo(path, dir, options = {}) {
    return withNpy(path, async (handle, header) => {
      const layout = options.layout ?? detectNpyLayout(header.shape, path)
      const dims = clipDims(header.shape, layout, path)
      const resolved = resolveImportOptions(options, dims.T)
      // Refused before the whole file is read, with the words the preview uses.
      planClips(header.shape, layout, dims, options, path)
      const floatScale =
        header.dtype === 'uint8'
          ? undefined
          : (options.floatScale ?? detectFloatScale(await scanWholeRange(handle, header, path)))
      const clipElements = dims.T * dims.H * dims.W * dims.C
      const blockClips = Math.max(1, Math.floor(BLOCK_BYTES / (clipElements * header.itemBytes)))
      return runImport({
        importer: { name: npyImporter.name, version: npyImporter.version },
        source: path,
        dir,
        options: resolved,
        detected: { layout, ...(floatScale ? { floatScale } : {}) },
        sequenceCount: dims.N,
        async feed(cutter, guard) {
          await guard.track(path)
          const frameBytes = dims.H * dims.W * dims.C
          for (let n0 = 0; n0 < dims.N; n0 += blockClips) {
            const count = Math.min(blockClips, dims.N - n0)
            const values = await readClipValues(handle, header, layout, dims, n0, count)
            const locate = (i: number) =>
              `clip ${n0 + Math.floor(i / clipElements)}, frame ${Math.floor((i % clipElements) / frameBytes)}`
            const block = toNTHWC(
              toUint8(values, floatScale ?? 'byte', path, locate),
              layout,
              dims,
              count,
            )
            for (let k = 0; k < count; k++) {
              cutter.beginSequence(n0 + k, `clip-${n0 + k}`, path)
              for (let t = 0; t < dims.T; t++) {
                const at = (k * dims.T + t) * frameBytes
                cutter.pushFrame({
                  data: block.subarray(at, at + frameBytes),
                  height: dims.H,
                  width: dims.W,
                  channels: dims.C,
                  file: path,
                })
              }
            }
          }
        },
      })
    })
  },
}

/**
 * The clips the array gives in `layout`, and what each other layout of the same rank would
 * give. Refuses a layout that yields no clip, naming the alternatives that would, since a
 * wrong guess between time-first and clips-first is the usual cause.
 */
function planClips(
  shape: readonly number[],
  layout: NpyLayout,
  dims: ClipDims,
  requested: ImportOptions,
  path: string,
): { clipCount: number; alternatives: LayoutAlternative[] } {
  const options = resolveImportOptions(requested, dims.T)
  const clipCount = dims.N * clipsInSequence(dims.T, options)
  const alternatives = NPY_LAYOUTS.filter((l) => l !== layout && l.length === shape.length)
    .map((l) => {
      try {
        return { layout: l, dims: clipDims(shape, l, path) }
      } catch {
        return null // the shape cannot be read this way (e.g. no channel axis there)
      }
    })
    .filter((a) => a !== null)
    .map(({ layout: l, dims: d }) => ({
      layout: l,
      sequenceCount: d.N,
      framesPerSequence: d.T,
      // A clip length left blank follows the layout: each sequence's own length.
      clipCount: d.N * clipsInSequence(d.T, resolveImportOptions(requested, d.T)),
    }))
  if (clipCount === 0) {
    const others = alternatives
      .filter((a) => a.clipCount > 0)
      .map(
        (a) =>
          `${a.layout} gives ${a.sequenceCount} sequences of ${a.framesPerSequence} frames, ${a.clipCount} clips`,
      )
    throw noClipsError(
      path,
      options.clipLength,
      ` (read as ${layout}, each of the ${dims.N} sequences has ${dims.T})` +
        (others.length
          ? `; as ${others.join('; as ')}. Pick that array layout, or a shorter clip length`
          : '; set a shorter clip length'),
    )
  }
  return { clipCount, alternatives }
}

async function withNpy<R>(
  path: string,
  use: (handle: FileHandle, header: NpyHeader) => Promise<R>,
): Promise<R> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new DataError(path, `cannot open (${error.message})`)
  })
  try {
    const header = await readNpyHeader(handle, path)
    assertFrameDtype(header, path)
    return await use(handle, header)
  } finally {
    await handle.close()
  }
}

/**
 * Clips [n0, n0+count) in the file's element order, except that time-first files are gathered
 * into clip-first order (one read per time step).
 */
async function readClipValues(
  handle: FileHandle,
  header: NpyHeader,
  layout: NpyLayout,
  dims: ClipDims,
  n0: number,
  count: number,
): Promise<NpyValues> {
  const clipElements = dims.T * dims.H * dims.W * dims.C
  if (layout !== 'TNHW') {
    return readNpyElements(handle, header, n0 * clipElements, count * clipElements)
  }
  const frameElements = dims.H * dims.W
  const slices: NpyValues[] = []
  for (let t = 0; t < dims.T; t++) {
    const start = (t * dims.N + n0) * frameElements
    slices.push(await readNpyElements(handle, header, start, count * frameElements))
  }
  const first = slices[0]!
  const values = new (first.constructor as new (n: number) => NpyValues)(count * clipElements)
  slices.forEach((slice, t) => {
    for (let k = 0; k < count; k++) {
      const frame = slice.subarray(k * frameElements, (k + 1) * frameElements)
      values.set(frame, (k * dims.T + t) * frameElements)
    }
  })
  return values
}

/** Reorders a block of clips to [count, T, H, W, C]; only channels-first needs moving. */
function toNTHWC(values: Uint8Array, layout: NpyLayout, dims: ClipDims, count: number): Uint8Array {
  if (layout !== 'NTCHW') return values
  const { H, W, C } = dims
  const plane = H * W
  const out = new Uint8Array(values.length)
  for (let f = 0; f < count * dims.T; f++) {
    const base = f * plane * C
    for (let c = 0; c < C; c++) {
      for (let p = 0; p < plane; p++) out[base + p * C + c] = values[base + c * plane + p] as number
    }
  }
  return out
}

/** Range of all values (and the NaN/Inf check) in one streaming pass, for float input. */
async function scanWholeRange(
  handle: FileHandle,
  header: NpyHeader,
  path: string,
): Promise<ValueRange> {
  const total = header.shape.reduce((a, b) => a * b, 1)
  const step = Math.floor(BLOCK_BYTES / header.itemBytes)
  let range: ValueRange = { min: Infinity, max: -Infinity }
  for (let start = 0; start < total; start += step) {
    const values = await readNpyElements(handle, header, start, Math.min(step, total - start))
    const r = scanValueRange(values, path, (i) => `element ${start + i}`)
    range = { min: Math.min(range.min, r.min), max: Math.max(range.max, r.max) }
  }
  return range
}
