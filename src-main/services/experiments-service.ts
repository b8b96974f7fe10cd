import { WorkbenchError, type Experiment, type Input, type ParsedInput } from '../api/contract'
import type { ExperimentsRepo } from '../store/experiments-repo'
import type { Emit } from './events'

export function createExperimentsService(repo: ExperimentsRepo, emit: Emit) {
  function require(id: number): Experiment {
    const experiment = repo.get(id)
    if (!experiment) throw new WorkbenchError('not_found', `experiment ${id} does not exist`)
    return experiment
  }

  return {
    list(input: ParsedInput<'experiments.list'>): Experiment[] {
      return repo.list(input.includeArchived)
    },
    get(id: number): Experiment {
      return require(id)
    },
    create(input: ParsedInput<'experiments.create'>): Experiment {
      const experiment = repo.create({ ...input, tags: uniqueTags(input.tags) })
      emit('experiments.changed', { id: experiment.id })
      return experiment
    },
    update({ id, ...patch }: ParsedInput<'experiments.update'>): Experiment {
      require(id)
      const experiment = repo.update(id, { ...patch, tags: patch.tags && uniqueTags(patch.tags) })!
      emit('experiments.changed', { id })
      return experiment
    },
    /** Deletes an experiment and its runs; `restore` undoes it until the next purge. */
    delete(id: Input<'experiments.delete'>['id']): null {
      require(id)
      repo.delete(id)
      emit('experiments.changed', { id })
      return null
    },
    restore(id: number): Experiment {
      const experiment = repo.restore(id)
      if (!experiment) throw new WorkbenchError('not_found', `experiment ${id} no longer exists`)
      emit('experiments.changed', { id })
      return experiment
    },
  }
}

export type ExperimentsService = ReturnType<typeof createExperimentsService>

function uniqueTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()))]
}
