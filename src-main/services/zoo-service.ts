import {
  CELL_LABELS,
  WorkbenchError,
  type BuiltInZooEntry,
  type BuiltInZooModel,
  type ParsedInput,
  type ZooModel,
} from '../api/contract'
import { readBuiltInWeights, readBuiltInZoo } from './builtin-zoo'
import { checkTmuCompatibility, IncompatibleSourcesError } from '../ml/tmu/compatibility'
import type { ZooRepo } from '../store/zoo-repo'
import type { Emit } from './events'
import { resolveImportPath } from './import-roots'
import { importPytorchSafetensors } from '../ml/checkpoint/pytorch-interchange'
import { readSafetensors } from '../ml/checkpoint/safetensors-file'
import type { TensorMap } from '../ml/checkpoint/tensors'
import type { ModelImportService } from './model-import-service'
import type { RunsService } from './runs-service'

/**
 * The zoo (docs/method.md §3.1): completed, non-TMU runs promoted to source models under a
 * name. Members stay runs, so their provenance (dataset, config, metrics, backend) is the
 * run's, and targets record their sources as lineage.
 */
export function createZooService(
  repo: ZooRepo,
  runs: RunsService,
  imports: ModelImportService,
  emit: Emit,
  options: {
    importRoots: () => readonly string[]
    /** The shipped zoo's folder (services/builtin-zoo.ts). */
    builtInDir: string
  },
) {
  function toModel(member: { runId: number; name: string; addedAt: string }): ZooModel {
    return { name: member.name, addedAt: member.addedAt, run: runs.get(member.runId) }
  }

  return {
    list: (): ZooModel[] => repo.list().map(toModel),

    add({ runId, name }: ParsedInput<'zoo.add'>): ZooModel {
      const run = runs.get(runId)
      if (run.status !== 'completed') {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" has not completed; only finished runs join the zoo`,
        )
      }
      if (run.config.model.tmu) {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" is a TMU target; sources are plain networks (${Object.values(CELL_LABELS).join(', ')})`,
        )
      }
      if (repo.ofRun(runId))
        throw new WorkbenchError('conflict', `run "${run.name}" is in the zoo already`)
      if (repo.named(name))
        throw new WorkbenchError('conflict', `the zoo has a model named "${name}" already`)
      repo.add(runId, name)
      emit('zoo.changed', { runId })
      return toModel(repo.ofRun(runId)!)
    },

    /** Imports weights from a safetensors file as a new source run and names it in the zoo. */
    import({ name, path, model, layout }: ParsedInput<'zoo.import'>): ZooModel {
      if (repo.named(name))
        throw new WorkbenchError('conflict', `the zoo has a model named "${name}" already`)
      const file = resolveImportPath(path, options.importRoots())
      let weights: TensorMap
      try {
        weights =
          layout === 'pytorch'
            ? importPytorchSafetensors(file).tensors
            : readSafetensors(file).tensors
      } catch (error) {
        throw new WorkbenchError('invalid_input', (error as Error).message)
      }
      const run = imports.importSource({ name, file, model, weights })
      repo.add(run.id, name)
      emit('zoo.changed', { runId: run.id })
      return toModel(repo.ofRun(run.id)!)
    },

    /** The shipped models, each with the zoo member of its name once added. */
    builtIn(): BuiltInZooEntry[] {
      return readBuiltInZoo(options.builtInDir).map(({ test, ...model }) => ({
        ...model,
        testMeans: { mse: test.meanMse, ssim: test.meanSsim, psnr: test.meanPsnr },
        runId: repo.named(model.name)?.runId ?? null,
      }))
    },

    /** Files a shipped model as a completed source run, with its provenance, in the zoo. */
    addBuiltIn(name: string): ZooModel {
      const model = readBuiltInZoo(options.builtInDir).find((m) => m.name === name)
      if (!model) throw new WorkbenchError('not_found', `no built-in model is named "${name}"`)
      if (repo.named(name))
        throw new WorkbenchError('conflict', `the zoo has a model named "${name}" already`)
      const weights = readBuiltInWeights(options.builtInDir, model)
      const run = imports.importSource({
        name,
        file: model.file,
        model: model.model,
        weights,
        notes: builtInNotes(model),
        trained: { iteration: model.training.iterations, seconds: model.training.seconds },
        test: model.test,
      })
      repo.add(run.id, name)
      emit('zoo.changed', { runId: run.id })
      return toModel(repo.ofRun(run.id)!)
    },

    remove(runId: number): null {
      if (!repo.remove(runId))
        throw new WorkbenchError('not_found', `run ${runId} is not in the zoo`)
      emit('zoo.changed', { runId })
      return null
    },

    isMember: (runId: number) => repo.ofRun(runId) !== undefined,

    check({ model, sourceRunIds }: ParsedInput<'zoo.check'>): { ok: boolean; problems: string[] } {
      const sources = sourceRunIds.map((id) => {
        const member = repo.ofRun(id)
        if (!member) throw new WorkbenchError('invalid_input', `run ${id} is not in the zoo`)
        return { name: member.name, config: runs.get(id).config.model }
      })
      try {
        checkTmuCompatibility(model, sources)
        return { ok: true, problems: [] }
      } catch (error) {
        if (error instanceof IncompatibleSourcesError)
          return { ok: false, problems: [...error.problems] }
        throw new WorkbenchError('invalid_input', (error as Error).message)
      }
    },
  }
}

export type ZooService = ReturnType<typeof createZooService>

/** The imported run's notes: where the weights came from, in a sentence a reader can check. */
function builtInNotes({ description, trainedOn, training, file, sha256 }: BuiltInZooModel) {
  const data = `${trainedOn.name} (${trainedOn.canvasSize}×${trainedOn.canvasSize}, seed ${trainedOn.seed})`
  return (
    `Built-in: ${description}. Trained by ${training.study} on ${data}, ` +
    `${training.iterations} iterations at batch ${training.batchSize}, ${training.backend} ` +
    `on ${training.machine}, workbench ${training.workbenchVersion}, ${training.trainedAt}. ` +
    `Test metrics are on that data's test split. File ${file}, SHA-256 ${sha256}.`
  )
}
