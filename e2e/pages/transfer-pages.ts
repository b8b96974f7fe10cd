import { expect, type Locator, type Page } from '@playwright/test'

/** The import wizard on the Datasets view. */
export class ImportWizard {
  readonly form: Locator

  constructor(readonly page: Page) {
    this.form = page.getByRole('form', { name: 'Import dataset' })
  }

  async preview(path: string, options: { layout?: string; clipLength?: number } = {}) {
    await this.form.getByLabel('Path', { exact: true }).fill(path)
    await this.form.getByLabel('Path', { exact: true }).blur()
    if (options.layout) await this.form.getByLabel('Array layout').selectOption(options.layout)
    if (options.clipLength) {
      await this.form.getByLabel('Clip length (frames)').fill(String(options.clipLength))
    }
    await this.form.getByRole('button', { name: 'Preview' }).click()
  }

  get previewPanel(): Locator {
    return this.form.getByRole('region', { name: 'Import preview' })
  }

  async import(name: string) {
    await this.form.getByLabel('Dataset name').fill(name)
    await this.form.getByRole('button', { name: 'Import' }).click()
    await expect(this.page.locator(`tr[data-dataset="${name}"]`)).toBeVisible()
  }
}

/** The run detail page's transfer actions: zoo, model card, gate charts. */
export class RunDetailPage {
  constructor(readonly page: Page) {}

  async addToZoo(name: string) {
    const form = this.page.getByRole('form', { name: 'Add to zoo' })
    await form.getByLabel('Zoo name').fill(name)
    await form.getByRole('button', { name: 'Add to zoo' }).click()
    await expect(this.page.getByRole('link', { name: `zoo: ${name}` })).toBeVisible()
  }

  async waitForCompletion() {
    await expect(this.page.getByTestId('run-status')).toHaveText('completed', { timeout: 45_000 })
  }
}

/** The new-run form, for a TMU target: kind, sources from the zoo, live compatibility. */
export class TmuRunForm {
  readonly form: Locator

  constructor(readonly page: Page) {
    this.form = page.getByRole('form', { name: 'New run' })
  }

  async start(name: string, dataset: string) {
    await this.form.getByRole('button', { name: 'Quick CPU', exact: true }).click()
    await this.form.getByLabel('Name', { exact: true }).fill(name)
    const datasets = this.form.getByLabel('Dataset')
    const value = await datasets.locator('option', { hasText: dataset }).getAttribute('value')
    await datasets.selectOption(value!)
    // The backend stays at the form's default, as a user's run gets it.
    await this.form.getByLabel('Kind').selectOption('tmu')
  }

  async pickSource(zooName: string) {
    await this.form.getByRole('checkbox', { name: new RegExp(`^${zooName} `) }).check()
  }

  get problems(): Locator {
    return this.form.getByRole('list', { name: 'Source problems' })
  }

  async fill(numbers: Record<string, number>) {
    for (const [label, value] of Object.entries(numbers)) {
      await this.form.getByLabel(label, { exact: true }).fill(String(value))
    }
  }

  async submit(name: string) {
    await this.form.getByRole('button', { name: 'Create and start' }).click()
    await expect(this.page.getByRole('heading', { level: 2, name })).toBeVisible()
  }
}
