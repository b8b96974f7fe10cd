import { expect, type Locator, type Page } from '@playwright/test'

/** The controls that train a stopped run again: on the run page and in a study's arm table. */
export class RestartControl {
  constructor(
    readonly scope: Page | Locator,
    readonly runName: string,
  ) {}

  get backend(): Locator {
    return this.scope.getByLabel(`Backend to restart ${this.runName} on`)
  }

  async restartOn(backend: string) {
    await this.backend.selectOption(backend)
    await this.scope.getByRole('button', { name: `Restart on ${backend}` }).click()
  }
}

export async function expectRunStatus(page: Page, status: string, timeout = 45_000) {
  await expect(page.getByTestId('run-status')).toHaveText(status, { timeout })
}
