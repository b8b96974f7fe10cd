import { describe, expect, it } from 'vitest'
import { defaultGenerateForm, validateGenerateForm } from './dataset-form'

describe('generate form', () => {
  it('starts from the contract defaults and is valid', () => {
    const form = defaultGenerateForm()
    expect(form).toMatchObject({ canvasSize: 64, digitSize: 28, clipLength: 20, trainClips: 1000 })
    expect(validateGenerateForm(form)).toEqual({})
  })

  it('puts each problem on its field', () => {
    const errors = validateGenerateForm({
      ...defaultGenerateForm(),
      name: '  ',
      canvasSize: 32,
      digitSize: 40,
      speedMin: 3,
      speedMax: 1,
      clipLength: 1,
    })
    expect(Object.keys(errors).sort()).toEqual(['clipLength', 'digitSize', 'name', 'speedMax'])
    expect(errors.digitSize).toMatch(/32 px canvas/)
  })

  it('says in words what a field needs, not in schema terms', () => {
    const errors = validateGenerateForm({
      ...defaultGenerateForm(),
      name: '',
      // What an emptied number input binds with v-model.number.
      trainClips: '' as unknown as number,
      clipLength: 2.5,
    })
    expect(errors).toMatchObject({
      name: 'must not be empty',
      trainClips: 'must be a number; it was empty',
      clipLength: 'must be a whole number; got 2.5',
    })
  })
})
