import type { Dataset, Experiment, Run } from '../api/contract'
import type { Workbench } from '../api/create-workbench'

/** Finds a dataset by id or exact name; without one, the built-in set (or the only one). */
export async function resolveDataset(
  workbench: Workbench,
  ref: string | undefined,
): Promise<Dataset> {
  const datasets = await workbench.call('datasets.list', {})
  if (ref === undefined) {
    const fallback =
      datasets.find((d) => d.origin === 'builtin') ??
      (datasets.length === 1 ? datasets[0] : undefined)
    if (!fallback) throw new Error('--dataset: several datasets exist; name one (`tmu data list`)')
    return fallback
  }
  const found = datasets.find((d) => String(d.id) === ref || d.name === ref)
  if (!found) throw new Error(`--dataset: no dataset "${ref}" (\`tmu data list\` shows them)`)
  return found
}

export async function resolveExperiment(workbench: Workbench, name: string): Promise<Experiment> {
  const existing = (await workbench.call('experiments.list', { includeArchived: true })).find(
    (e) => e.name === name,
  )
  return (
    existing ??
    workbench.call('experiments.create', {
      name,
      description: 'Runs started from the tmu command line',
    })
  )
}

export async function resolveRun(workbench: Workbench, ref: string): Promise<Run> {
  const runs = await workbench.call('runs.list', {})
  const found = runs.find((r) => String(r.id) === ref) ?? runs.find((r) => r.name === ref)
  if (!found) throw new Error(`no run "${ref}" (\`tmu runs\` lists them)`)
  return found
}

/**
 * A source for a finetune or TMU target: a zoo name, else a run id. Only a completed plain
 * network can be one; the runs service checks the rest (M, widths, frames) against the target.
 */
export async function resolveSource(workbench: Workbench, ref: string): Promise<Run> {
  const member = (await workbench.call('zoo.list', {})).find((m) => m.name === ref)
  const run =
    member?.run ?? (await workbench.call('runs.list', {})).find((r) => String(r.id) === ref)
  if (!run) {
    throw new Error(`--sources: no zoo model or run id "${ref}" (\`tmu zoo list\` shows the zoo)`)
  }
  if (run.config.model.tmu) {
    throw new Error(`--sources: run ${run.id} "${run.name}" is a TMU target, not a source model`)
  }
  if (run.status !== 'completed') {
    throw new Error(`--sources: run ${run.id} "${run.name}" is ${run.status}, not completed`)
  }
  return run
}
