import {
  GenerateDatasetInput,
  RunConfig,
  STUDY_SCALES,
  StudyArmPlan,
  type StudyPlan,
  type ParsedInput,
  StudyAblation,
  type StudyScale,
} from '../api/contract'
import { mauOptionsOf, type CellKind } from '../domain/model'
import { checkTmuCompatibility, IncompatibleSourcesError } from '../ml/tmu/compatibility'

/**
 * A study's Flying Digits set with this many digits at this scale, seeded by its digit count
 * so every study of a scale trains on the same clips (and the built-in zoo's sources name
 * theirs by this recipe).
 */
export function studyDataset(scale: StudyScale, digits: number): ParsedInput<'datasets.generate'> {
  return GenerateDatasetInput.parse({
    name: `Flying Digits · ${digits} digit${digits > 1 ? 's' : ''} · ${scale}`,
    digitsPerClip: digits,
    seed: digits,
    ...STUDY_SCALES[scale].data,
  })
}

/** The zoo's names in arm names: FD-1 and FD-2 (Flying Digits with 1 and 2 digits). */
export const sourceLabel = (index: number) => `FD-${index + 1}`

/** The main arms of docs/method.md §4.2: scratch, finetune from each source, TMU with all. */
export function mainArms(sourceCount: number): StudyArmPlan[] {
  const all = Array.from({ length: sourceCount }, (_, i) => i)
  return [
    StudyArmPlan.parse({ name: 'scratch', kind: 'scratch' }),
    ...all.map((i) =>
      StudyArmPlan.parse({ name: `finetune ← ${sourceLabel(i)}`, kind: 'finetune', sources: [i] }),
    ),
    StudyArmPlan.parse({
      name: `TMU ← ${all.map(sourceLabel).join(' + ')}`,
      kind: 'tmu',
      sources: all,
    }),
  ]
}

/** A TMU variant of `base` that changes one thing (docs/studies.md, "Ablations"). */
export function ablationArm(
  ablation: StudyAblation,
  base: StudyArmPlan,
  layerCount: number,
): StudyArmPlan {
  const variant = (name: string, change: Partial<StudyArmPlan>) =>
    StudyArmPlan.parse({ ...base, ...change, name: `TMU ${name}`, ablationOf: base.name })
  const lambda = (value: number) =>
    variant(`λ = ${value}`, { train: { ...base.train, distillWeight: value } })
  switch (ablation) {
    case 'lambda-0':
      return lambda(0)
    case 'lambda-0.01':
      return lambda(0.01)
    case 'lambda-1':
      return lambda(1)
    case 'softmax-gates':
      return variant('softmax gates', { tmu: { ...base.tmu, gate: 'softmax' } })
    case 'rescaled-memory':
      return variant('rescaled memory', { tmu: { ...base.tmu, rescaleMemory: true } })
    case 'sources-read-truth':
      return variant('sources read truth', { train: { ...base.train, sourceInput: 'truth' } })
    case 'one-source': {
      // The most similar source alone: the last (the 2-digit one for a 3-digit target).
      const last = base.sources.at(-1)!
      return variant(`← ${sourceLabel(last)} only`, { sources: [last] })
    }
    case 'init-from-source': {
      // Finetune's head start from the same source, so the two arms differ in the TMU alone.
      const last = base.sources.at(-1)!
      return variant(`initialised from ${sourceLabel(last)}`, {
        tmu: { ...base.tmu, initFromSource: base.sources.length },
      })
    }
    case 'tmu-all-layers':
      return variant('at every layer', {
        tmu: { ...base.tmu, layers: Array.from({ length: layerCount }, (_, i) => i + 1) },
      })
  }
}

/** Every ablation, in the order the report lists them: the enum's. */
export const ALL_ABLATIONS: readonly StudyAblation[] = StudyAblation.options

/**
 * The plan's model on another backbone, for a source or the target. A MAU keeps the patched
 * grid (srSize 1): only then do its memory T and the other networks' memories meet at a TMU
 * layer (docs/method.md §2.9). A source's finetune arm starts from its weights, so it takes
 * the same model.
 */
export function modelOnBackbone(model: RunConfig['model'], cell: CellKind): RunConfig['model'] {
  const mau = cell === 'mau' ? { mau: { ...mauOptionsOf(model), srSize: 1 } } : {}
  return { ...model, cell, ...mau }
}

/**
 * The run configuration of one arm: the plan's, with the arm's TMU and λ options; a finetune
 * on its source's backbone (it starts from the source's weights).
 */
export function armConfig(
  plan: Pick<StudyPlan, 'config' | 'sources'>,
  arm: StudyArmPlan,
  seed: number,
): RunConfig {
  const { config } = plan
  const train = { ...config.train, ...arm.train, seed }
  if (arm.kind === 'finetune') {
    const cell = plan.sources[arm.sources[0]!]?.cell ?? config.model.cell
    return RunConfig.parse({ ...config, model: modelOnBackbone(config.model, cell), train })
  }
  if (arm.kind !== 'tmu') return RunConfig.parse({ ...config, train })
  return RunConfig.parse({
    ...config,
    model: { ...config.model, tmu: { ...arm.tmu, sources: arm.sources.length } },
    train,
  })
}

/**
 * Why a plan's TMU arms could not read their sources' memories, one line per problem (none:
 * they can), said when the study is filed rather than after its zoo has trained: e.g. an
 * E3D-LSTM source beside another backbone's target (docs/method.md §2.12).
 */
export function tmuArmProblems(plan: Pick<StudyPlan, 'config' | 'sources' | 'arms'>): string[] {
  return plan.arms.flatMap((arm) => {
    if (arm.kind !== 'tmu') return []
    const sources = arm.sources.map((i) => {
      const source = plan.sources[i]!
      const cell = source.cell ?? plan.config.model.cell
      return {
        name: source.name,
        config: RunConfig.parse({ ...plan.config, model: modelOnBackbone(plan.config.model, cell) })
          .model,
      }
    })
    try {
      checkTmuCompatibility(armConfig(plan, arm, 0).model, sources)
      return []
    } catch (error) {
      if (!(error instanceof IncompatibleSourcesError)) throw error
      return error.problems.map((problem) => `plan.arms "${arm.name}": ${problem}`)
    }
  })
}
