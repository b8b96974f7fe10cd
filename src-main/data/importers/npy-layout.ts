import { DataError } from '../errors'

/**
 * Axis orders a .npy of clips comes in. `TNHW` is the published Moving MNIST file
 * (`mnist_test_seq.npy`, 20×10000×64×64, time first); the rest put clips first.
 */
export type NpyLayout = 'TNHW' | 'NTHW' | 'NTHWC' | 'NTCHW'
export const NPY_LAYOUTS: readonly NpyLayout[] = ['TNHW', 'NTHW', 'NTHWC', 'NTCHW']

export interface ClipDims {
  N: number
  T: number
  H: number
  W: number
  C: number
}

/**
 * Guesses the layout from the shape. 4-D: time-first when the first axis is the shorter of the
 * first two (clips usually outnumber frames per clip); 5-D: channels where the axis is 1, 3 or 4.
 * Preview shows the guess; a caller passes `layout` when it is wrong.
 */
export function detectNpyLayout(shape: readonly number[], file: string): NpyLayout {
  if (shape.length === 4) return (shape[0] as number) < (shape[1] as number) ? 'TNHW' : 'NTHW'
  if (shape.length === 5) {
    if ([1, 3, 4].includes(shape[4] as number)) return 'NTHWC'
    if ([1, 3, 4].includes(shape[2] as number)) return 'NTCHW'
    throw new DataError(file, `cannot tell the channel axis of shape (${shape.join(', ')})`)
  }
  throw new DataError(file, `expected a 4-D or 5-D array of clips, got ${shape.length}-D`)
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
