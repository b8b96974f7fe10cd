import { GenerateDatasetInput, type Input } from '@contract/index'

export type GenerateForm = Required<Input<'datasets.generate'>>
export type GenerateFormErrors = Partial<Record<keyof GenerateForm | 'form', string>>

/** The contract's defaults (standard Moving MNIST: 2 digits of 28 px on 64 px, 20 frames). */
export function defaultGenerateForm(): GenerateForm {
  return GenerateDatasetInput.parse({ name: 'Flying Digits' })
}

/** The contract's checks plus the ones between fields, each on the field to change. */
export function validateGenerateForm(form: GenerateForm): GenerateFormErrors {
  const errors: GenerateFormErrors = {}
  const parsed = GenerateDatasetInput.safeParse(form)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = issue.path[0]
      const key =
        typeof field === 'string' && field in form ? (field as keyof GenerateForm) : 'form'
      errors[key] ??= issue.message
    }
  }
  if (!errors.digitSize && form.digitSize > form.canvasSize) {
    errors.digitSize = `digits (${form.digitSize} px) must fit the ${form.canvasSize} px canvas`
  }
  if (!errors.speedMax && form.speedMax < form.speedMin) {
    errors.speedMax = 'the top speed must be at least the lowest speed'
  }
  return errors
}
