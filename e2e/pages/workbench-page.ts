import { expect, type Locator, type Page } from '@playwright/test'

/**
 * The workbench as a user sees it. Any uncaught page error or console error (a CSP
 * violation, a failed call) fails the test: a page that "works" while logging errors does not.
 */
export class WorkbenchPage {
  readonly errors: string[] = []

  constructor(readonly page: Page) {
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`)
    })
  }

  async open(url: string) {
    await this.page.goto(url)
    await expect(this.page.getByRole('navigation', { name: 'Sections' })).toBeVisible()
  }

  /** Opens the new-run form on the built-in dataset and returns it. */
  async openNewRunForm(url: string): Promise<Locator> {
    await this.page.goto(`${new URL(url).origin}/#/runs/new?dataset=builtin`)
    return this.page.getByRole('form', { name: 'New run' })
  }

  section(
    name: 'Datasets' | 'Zoo' | 'Experiments' | 'Runs' | 'Studies' | 'Compare' | 'Settings',
  ): Locator {
    return this.page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name })
  }

  async goTo(name: Parameters<WorkbenchPage['section']>[0]) {
    await this.section(name).click()
    await expect(this.page.getByRole('heading', { level: 2, name })).toBeVisible()
  }

  expectNoErrors() {
    expect(this.errors).toEqual([])
  }
}

export class ExperimentsPage {
  constructor(readonly page: Page) {}

  card(name: string): Locator {
    return this.page.locator(`article[data-experiment="${name}"]`)
  }

  async create(name: string, description = '') {
    await this.page.getByLabel('New experiment name').fill(name)
    await this.page.getByLabel('New experiment description').fill(description)
    await this.page.getByRole('button', { name: 'Create' }).click()
    await expect(this.card(name)).toBeVisible()
  }

  async rename(from: string, to: string) {
    await this.card(from).getByRole('button', { name: 'Rename' }).click()
    const input = this.page.getByLabel('Experiment name', { exact: true })
    await input.fill(to)
    await input.press('Enter')
    await expect(this.card(to)).toBeVisible()
  }

  async tag(name: string, tag: string) {
    const input = this.card(name).getByLabel(`Add tag to ${name}`)
    await input.fill(tag)
    await input.press('Enter')
    await expect(this.card(name).getByText(tag, { exact: true })).toBeVisible()
  }
}
