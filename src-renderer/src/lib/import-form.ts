import { ImportFormat, ImportOptions, type Input } from '@contract/index'

type Options = NonNullable<Input<'datasets.preview'>['options']>
type Format = NonNullable<Input<'datasets.preview'>['format']>

/**
 * The import wizard's fields. Optional numbers are kept as typed (a blank box means "let the
 * importer decide"), and the choices carry an `auto` that maps to leaving the option out.
 */
export interface ImportForm {
  path: string
  format: Format | 'auto'
  name: string
  clipLength: string
  clipStride: string
  frameStride: string
  resizeHeight: string
  resizeWidth: string
  color: NonNullable<Options['color']> | 'auto'
  split: 'auto' | 'ratio' | 'pattern'
  ratioTrain: string
  ratioVal: string
  ratioTest: string
  ratioSeed: string
  patternTrain: string
  patternVal: string
  patternTest: string
  layout: NonNullable<Options['layout']> | 'auto'
  floatScale: NonNullable<Options['floatScale']> | 'auto'
}

export type ImportFormErrors = Partial<Record<keyof ImportForm | 'form', string>>

export const IMPORT_FORMATS = ['auto', ...ImportFormat.options] as const
export const NPY_LAYOUTS = ['auto', ...ImportOptions.shape.layout.unwrap().options] as const

export function defaultImportForm(): ImportForm {
  return {
    path: '',
    format: 'auto',
    name: '',
    clipLength: '',
    clipStride: '',
    frameStride: '',
    resizeHeight: '',
    resizeWidth: '',
    color: 'auto',
    split: 'auto',
    ratioTrain: '0.8',
    ratioVal: '0.1',
    ratioTest: '0.1',
    ratioSeed: '0',
    patternTrain: '',
    patternVal: '',
    patternTest: '',
    layout: 'auto',
    floatScale: 'auto',
  }
}

/** The last path segment without its extension: a sensible dataset name to start from. */
export function nameFromPath(path: string): string {
  const last =
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? ''
  return last.replace(/\.[^.]+$/, '')
}

function isRegExp(text: string): boolean {
  try {
    new RegExp(text)
    return true
  } catch {
    return false
  }
}

/**
 * The source the wizard describes (`datasets.preview` input), or the errors to fix first, each
 * on its field. Blank optional fields are left out so the importer's detection applies.
 */
export function importSourceOf(form: ImportForm): {
  errors: ImportFormErrors
  source: Input<'datasets.preview'> | null
} {
  const errors: ImportFormErrors = {}
  const int = (key: keyof ImportForm, min: number, what: string): number | undefined => {
    const text = form[key].trim()
    if (!text) return undefined
    const value = Number(text)
    if (!Number.isInteger(value) || value < min)
      errors[key] = `${what} must be a whole number ≥ ${min}`
    return value
  }
  const ratio = (key: keyof ImportForm, what: string): number => {
    const value = Number(form[key].trim() || NaN)
    if (!(value >= 0)) errors[key] = `${what} must be a number ≥ 0`
    return value
  }
  if (!form.path.trim()) errors.path = 'enter a file or folder path'
  const options: Options = {
    clipLength: int('clipLength', 2, 'clip length'),
    clipStride: int('clipStride', 1, 'clip stride'),
    frameStride: int('frameStride', 1, 'frame stride'),
  }
  const height = int('resizeHeight', 1, 'height')
  const width = int('resizeWidth', 1, 'width')
  if ((height === undefined) !== (width === undefined)) {
    errors[height === undefined ? 'resizeHeight' : 'resizeWidth'] = 'give both height and width'
  } else if (height !== undefined && width !== undefined) {
    options.resize = { height, width }
  }
  if (form.color !== 'auto') options.color = form.color
  if (form.layout !== 'auto') options.layout = form.layout
  if (form.floatScale !== 'auto') options.floatScale = form.floatScale
  if (form.split === 'ratio') {
    const split = {
      kind: 'ratio' as const,
      train: ratio('ratioTrain', 'train share'),
      val: ratio('ratioVal', 'validation share'),
      test: ratio('ratioTest', 'test share'),
      seed: Number(form.ratioSeed.trim() || 0),
    }
    if (!Number.isInteger(split.seed)) errors.ratioSeed = 'seed must be a whole number'
    if (!errors.ratioTrain && !errors.ratioVal && !errors.ratioTest) {
      if (split.train <= 0) errors.ratioTrain = 'the train share must be > 0'
      else if (split.test <= 0) errors.ratioTest = 'the test share must be > 0'
    }
    options.split = split
  } else if (form.split === 'pattern') {
    if (!form.patternTrain.trim()) errors.patternTrain = 'a pattern for the train sequences'
    for (const key of ['patternTrain', 'patternVal', 'patternTest'] as const) {
      if (form[key].trim() && !isRegExp(form[key].trim()))
        errors[key] ??= 'not a valid regular expression'
    }
    options.split = {
      kind: 'pattern',
      train: form.patternTrain.trim(),
      val: form.patternVal.trim() || undefined,
      test: form.patternTest.trim() || undefined,
    }
  }
  if (Object.keys(errors).length) return { errors, source: null }
  const source = {
    path: form.path.trim(),
    format: form.format === 'auto' ? undefined : form.format,
    options: Object.fromEntries(
      Object.entries(options).filter(([, v]) => v !== undefined),
    ) as Options,
  }
  return { errors, source }
}
