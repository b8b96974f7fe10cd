import { rmSync } from 'node:fs'
import { basename } from 'node:path'
import {
  RunConfig,
  WorkbenchError,
  type EvaluationSummary,
  type ModelConfig,
  type Run,
} from '../api/contract'
import { writeCheckpoint } from '../ml/checkpoint/checkpoint-write'
import { formatShape, type TensorMap } from '../ml/checkpoint/tensors'
import { parameterShapes } from '../ml/parameter-shapes'
import type { ExperimentsRepo } from '../store/experiments-repo'
import type { RunsRepo } from '../store/runs-repo'
import { nowIso } from '../store/time'
import type { Emit } from './events'
import type { RunsService } from './runs-service'

export interface ModelImportDeps {
  runs: RunsRepo
  experiments: ExperimentsRepo
  lifecycle: Pick<RunsService, 'get' | 'dir'>
  emit: Emit
}

const IMPORTED_EXPERIMENT = 'Imported models'

/**
 * Weights from elsewhere (a PyTorch release, another workbench) filed as completed source
 * runs, so the zoo, finetunes and TMU targets use them like any trained run.
 */
export function createModelImportService(deps: ModelImportDeps) {
  /** As the trainer files a test evaluation: the summary, and its means as metrics. */
  function recordTest(runId: number, test: EvaluationSummary) {
    deps.runs.addEvaluation(runId, 'test', test.iteration, test)
    deps.runs.addMetrics(runId, [
      { name: 'test/mse', iteration: test.iteration, value: test.meanMse },
      { name: 'test/mae', iteration: test.iteration, value: test.meanMae },
      { name: 'test/ssim', iteration: test.iteration, value: test.meanSsim },
      { name: 'test/psnr', iteration: test.iteration, value: test.meanPsnr },
    ])
  }

  return {
    /**
     * Files `weights` as a completed source run (under the experiment "Imported models") with
     * a checkpoint. The weights must be exactly the model's parameters. Where the weights
     * were trained by a workbench (the built-in zoo), `trained` is how long and `test` its test
     * evaluation there, kept as the run's.
     */
    importSource(input: {
      name: string
      file: string
      model: ModelConfig
      weights: TensorMap
      notes?: string
      trained?: { iteration: number; seconds: number }
      test?: EvaluationSummary
    }): Run {
      if (input.model.tmu) {
        throw new WorkbenchError(
          'invalid_input',
          `${basename(input.file)}: a source is a plain network; remove model.tmu`,
        )
      }
      const problems = weightProblems(input.weights, parameterShapes(input.model))
      if (problems.length) {
        throw new WorkbenchError(
          'invalid_input',
          `${basename(input.file)} does not fit a ${input.model.cell} ${input.model.hidden.join('×')}: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`,
        )
      }
      const experiment =
        deps.experiments.list(true).find((e) => e.name === IMPORTED_EXPERIMENT) ??
        deps.experiments.create({
          name: IMPORTED_EXPERIMENT,
          description: 'Source models imported from files',
          tags: ['imported'],
        })
      const config = RunConfig.parse({ model: input.model, train: {} })
      const row = deps.runs.create({
        experimentId: experiment.id,
        name: input.name,
        kind: 'source',
        config,
        datasetId: null,
        sourceRunIds: [],
        status: 'completed',
      })
      const dir = deps.lifecycle.dir(row.id)
      try {
        writeCheckpoint(dir, {
          weights: input.weights,
          optimizer: {},
          state: {
            formatVersion: 1,
            modelKind: input.model.cell,
            iteration: input.trained?.iteration ?? 0,
            eta: 0,
            rng: { algorithm: 'mulberry32', state: 0 },
            dataCursor: null,
            config: { model: config.model, train: config.train },
            backend: 'imported',
          },
        })
      } catch (error) {
        deps.runs.delete(row.id)
        rmSync(dir, { recursive: true, force: true })
        throw error
      }
      if (input.test) recordTest(row.id, input.test)
      deps.runs.update(row.id, {
        backend: 'imported',
        iteration: input.trained?.iteration ?? 0,
        trainedSeconds: input.trained?.seconds ?? 0,
        finishedAt: nowIso(),
        notes: input.notes ?? `Imported from ${basename(input.file)}`,
      })
      deps.emit('runs.changed', { id: row.id })
      return deps.lifecycle.get(row.id)
    },
  }
}

export type ModelImportService = ReturnType<typeof createModelImportService>

/** Every way `weights` differs from the parameters a model has (names, shapes, dtypes). */
function weightProblems(weights: TensorMap, expected: Record<string, number[]>): string[] {
  const problems: string[] = []
  for (const [name, shape] of Object.entries(expected)) {
    const tensor = weights[name]
    if (!tensor) problems.push(`missing ${name}`)
    else if (tensor.dtype !== 'F32') problems.push(`${name} is ${tensor.dtype}, weights are F32`)
    else if (formatShape(tensor.shape) !== formatShape(shape)) {
      problems.push(`${name} is ${formatShape(tensor.shape)}, the model has ${formatShape(shape)}`)
    }
  }
  for (const name of Object.keys(weights))
    if (!(name in expected)) problems.push(`unexpected ${name}`)
  return problems
}
