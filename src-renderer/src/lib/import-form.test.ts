import { describe, expect, it } from 'vitest'
import { defaultImportForm, importSourceOf, nameFromPath, type ImportForm } from './import-form'

const form = (overrides: Partial<ImportForm>): ImportForm => ({
  ...defaultImportForm(),
  path: '/data/clips.npy',
  ...overrides,
})

describe('importSourceOf', () => {
  it('leaves blank and auto fields to the importer', () => {
    expect(importSourceOf(form({})).source).toEqual({
      path: '/data/clips.npy',
      format: undefined,
      options: {},
    })
  })

  it('maps every option the user set', () => {
    const { source } = importSourceOf(
      form({
        format: 'npy',
        clipLength: '20',
        clipStride: '5',
        frameStride: '2',
        resizeHeight: '32',
        resizeWidth: '48',
        color: 'gray',
        layout: 'NTHW',
        floatScale: 'byte',
        split: 'ratio',
        ratioSeed: '3',
      }),
    )
    expect(source).toEqual({
      path: '/data/clips.npy',
      format: 'npy',
      options: {
        clipLength: 20,
        clipStride: 5,
        frameStride: 2,
        resize: { height: 32, width: 48 },
        color: 'gray',
        layout: 'NTHW',
        floatScale: 'byte',
        split: { kind: 'ratio', train: 0.8, val: 0.1, test: 0.1, seed: 3 },
      },
    })
  })

  it('puts each error on the field to change', () => {
    const { errors, source } = importSourceOf(
      form({
        path: ' ',
        clipLength: '1',
        resizeHeight: '32',
        split: 'pattern',
        patternVal: '(',
      }),
    )
    expect(source).toBeNull()
    expect(errors).toEqual({
      path: 'enter a file or folder path',
      clipLength: 'clip length must be a whole number ≥ 2',
      resizeWidth: 'give both height and width',
      patternTrain: 'a pattern for the train sequences',
      patternVal: 'not a valid regular expression',
    })
  })

  it('needs train and test shares', () => {
    expect(importSourceOf(form({ split: 'ratio', ratioTest: '0' })).errors).toEqual({
      ratioTest: 'the test share must be > 0',
    })
  })

  it('sends name patterns as typed', () => {
    const { source } = importSourceOf(
      form({ split: 'pattern', patternTrain: 'person(0[1-9]|1[0-6])_', patternTest: 'person2' }),
    )
    expect(source?.options?.split).toEqual({
      kind: 'pattern',
      train: 'person(0[1-9]|1[0-6])_',
      val: undefined,
      test: 'person2',
    })
  })
})

describe('nameFromPath', () => {
  it('takes the last segment without its extension', () => {
    expect(nameFromPath('/home/me/mnist_test_seq.npy')).toBe('mnist_test_seq')
    expect(nameFromPath('C:\\data\\kth\\')).toBe('kth')
  })
})
