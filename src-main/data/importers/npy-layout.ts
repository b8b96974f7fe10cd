import { NPY_LAYOUTS, type NpyLayout } from '../../domain/import-files'
import { DataError } from '../errors'

export { NPY_LAYOUTS, type NpyLayout }

export interface ClipDims {
  N: number
  T: number
  H: number
  W: number
  C: number
}

/**
 * Guesses the layout from the shape. 3-D: one clip; 4-D: one clip with channels when the last
 * axis is 1, 3 or 4, else time-first when the first axis is the shorter of the first two (clips
 * usually outnumber frames per clip); 5-D: channels where the axis is 1, 3 or 4.
 * Preview shows the guess; a caller passes `layout` when it is wrong.
 */
export function detectNpyLayout(shape: readonly number[], file: string): NpyLayout {
  if (shape.length === 3) return 'THW'
  // A last axis of 1, 3 or 4 is channels: no one's frames are that narrow.
  if (shape.length === 4 && [1, 3, 4].includes(shape[3] as number)) return 'THWC'
  if (shape.length === 4) return (shape[0] as number) < (shape[1] as number) ? 'TNHW' : 'NTHW'
  if (shape.length === 5) {
    if ([1, 3, 4].includes(shape[4] as number)) return 'NTHWC'
    if ([1, 3, 4].includes(shape[2] as number)) return 'NTCHW'
    throw new DataError(file, `cannot tell the channel axis of shape (${shape.join(', ')})`)
  }
  throw new DataError(
    file,
    `expected a clip (3-D or 4-D) or an array of clips (4-D or 5-D), got ${shape.length}-D`,
  )
}

export function clipDims(shape: readonly number[], layout: NpyLayout, file: string): ClipDims {
  const rank = layout.length
  if (shape.length !== rank) {
    throw new DataError(file, `layout ${layout} needs ${rank}-D, got ${shape.length}-D`)
  }
  const axis = (name: string) => shape[layout.indexOf(name)] ?? 1
  const dims = { N: axis('N'), T: axis('T'), H: axis('H'), W: axis('W'), C: axis('C') }
  if (Object.values(dims).includes(0)) {
    throw new DataError(file, `holds no clips or empty frames: shape (${shape.join(', ')})`)
  }
  if (![1, 2, 3, 4].includes(dims.C)) {
    throw new DataError(file, `${dims.C} channels; expected 1 (gray), 3 (RGB) or 4 (RGBA)`)
  }
  return dims
}
