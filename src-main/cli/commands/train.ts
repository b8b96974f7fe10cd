import type { Command } from 'commander'
import { footprintText, modelSizeText, type Run } from '../../api/contract'
import type { Workbench } from '../../api/create-workbench'
import { followRun } from '../follow-run'
import { printEvaluation } from '../evaluation-table'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { resolveDataset, resolveExperiment, resolveRun, resolveSource } from '../resolve'
import { addTrainOptions, runConfigOf, sourceRefs, type TrainOptions } from '../train-options'

export function registerTrain(program: Command) {
  addWorkspaceOption(
    addTrainOptions(
      program
        .command('train')
        .description(
          'train a predictive network on a dataset, showing progress (Ctrl-C stops after a checkpoint)',
        ),
    ),
  ).action(async (opts: TrainOptions & WorkspaceOption) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await createRun(workbench, opts)
        out.line(`run ${run.id} "${run.name}" on ${run.datasetName}: ${describeModel(run)}`)
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })

  addWorkspaceOption(
    program
      .command('resume <run>')
      .description('continue an interrupted, failed or cancelled run from its last checkpoint'),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await resolveRun(workbench, ref)
        await workbench.call('runs.control', { id: run.id, action: 'resume' })
        out.line(`resuming run ${run.id} "${run.name}" from iteration ${run.iteration}`)
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })

  addWorkspaceOption(
    program.command('eval <run>').description("score a run's latest checkpoint on its test split"),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(
      opts,
      async (workbench) => {
        const run = await resolveRun(workbench, ref)
        await workbench.call('runs.evaluate', { id: run.id })
        await finish(workbench, run.id)
      },
      { runJobs: true },
    )
  })
}

async function createRun(workbench: Workbench, opts: TrainOptions): Promise<Run> {
  const refs = sourceRefs(opts)
  const sources = await Promise.all(refs.map((ref) => resolveSource(workbench, ref)))
  const dataset = await resolveDataset(workbench, opts.dataset)
  const config = runConfigOf(opts, dataset, sources)
  const experiment = await resolveExperiment(workbench, opts.experiment)
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ')
  return workbench.call('runs.create', {
    experimentId: experiment.id,
    name: opts.name ?? `${config.model.cell} ${modelSizeText(config.model)} ${stamp}`,
    kind: opts.kind,
    datasetId: dataset.id,
    sourceRunIds: sources.map((s) => s.id),
    config,
  })
}

async function finish(workbench: Workbench, runId: number) {
  const run = await followRun(workbench, runId)
  if (run.status === 'completed') {
    const summary = await workbench.call('runs.evaluation', { id: run.id })
    if (summary) printEvaluation(summary)
    out.line(`run ${run.id} completed on ${run.backend}`)
    out.line(footprintText(run))
    return
  }
  if (run.error) out.error(`run ${run.id} ${run.status}: ${run.error}`)
  else
    out.line(
      `run ${run.id} ${run.status} at iteration ${run.iteration}; \`tmu resume ${run.id}\` continues it`,
    )
  process.exitCode = run.status === 'cancelled' ? 130 : 1
}

function describeModel(run: Run): string {
  const { model, train } = run.config
  return `${model.cell} ${modelSizeText(model)}, ${train.iterations} iterations of batch ${train.batchSize}`
}
