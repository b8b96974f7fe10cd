import { expect, type Locator, type Page } from '@playwright/test'

/** The Datasets view: generator form, table and clip browser. */
export class DatasetsPage {
  constructor(readonly page: Page) {}

  row(name: string): Locator {
    return this.page.locator(`tr[data-dataset="${name}"]`)
  }

  async generate(name: string, fields: Record<string, number>) {
    const form = this.page.getByRole('form', { name: 'Generate Flying Digits' })
    await form.getByLabel('Name').fill(name)
    for (const [label, value] of Object.entries(fields)) {
      await form.getByLabel(label, { exact: true }).fill(String(value))
    }
    await form.getByRole('button', { name: 'Generate' }).click()
    await expect(this.row(name)).toBeVisible()
  }
}

/** The new-run form (/runs/new). */
export class NewRunPage {
  constructor(readonly page: Page) {}

  async create(fields: {
    name: string
    dataset: string
    cell?: string
    /** Left at the form's default (auto, as a new user's run) unless given. */
    backend?: string
    numbers: Record<string, number>
  }) {
    const form = this.page.getByRole('form', { name: 'New run' })
    await form.getByRole('button', { name: 'Quick CPU', exact: true }).click()
    await form.getByLabel('Name', { exact: true }).fill(fields.name)
    const datasets = form.getByLabel('Dataset')
    const value = await datasets
      .locator('option', { hasText: fields.dataset })
      .getAttribute('value')
    await datasets.selectOption(value!)
    if (fields.cell) await form.getByLabel('Cell').selectOption(fields.cell)
    if (fields.backend) await form.getByLabel('Backend').selectOption(fields.backend)
    for (const [label, value] of Object.entries(fields.numbers)) {
      await form.getByLabel(label, { exact: true }).fill(String(value))
    }
    // Before starting, the form says roughly how long an iteration takes on that backend.
    await expect(form.getByTestId('iteration-estimate')).toContainText(
      new RegExp(`per iteration on ${fields.backend ?? ''}`),
    )
    await form.getByRole('button', { name: 'Create and start' }).click()
    await expect(this.page.getByRole('heading', { level: 2, name: fields.name })).toBeVisible()
  }
}

/** The compare view: run picker, player and its controls. */
export class ComparePage {
  constructor(readonly page: Page) {}

  get frameLabel(): Locator {
    return this.page.getByTestId('frame-label')
  }

  async pick(runName: string) {
    await this.page.getByRole('checkbox', { name: new RegExp(`^${runName} `) }).check()
  }

  playerRow(label: string): Locator {
    return this.page.locator(`[data-row="${label}"]`)
  }
}
