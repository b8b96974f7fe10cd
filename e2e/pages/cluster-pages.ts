import { expect, type Page } from '@playwright/test'

/** Settings → Where runs train: the executor and the Slurm fields. */
export class ExecutorSettingsPage {
  constructor(readonly page: Page) {}

  /** Chooses Slurm, types the fields (label → value) and saves; Slurm must accept them. */
  async useSlurm(fields: Record<string, string>) {
    const form = this.page.getByRole('form', { name: 'Where runs train' })
    await form.getByLabel('Slurm cluster (sbatch)').check()
    for (const [label, value] of Object.entries(fields)) await form.getByLabel(label).fill(value)
    await form.getByRole('button', { name: 'Save' }).click()
    await expect(form.getByLabel('Slurm cluster (sbatch)')).toBeChecked()
    await expect(form.getByRole('alert')).toHaveCount(0)
  }
}
