import {
  etaDecayFor,
  GenerateDatasetInput,
  RUN_PRESETS,
  RunConfig,
  StudyArmPlan,
  type ParsedInput,
  StudyAblation,
  type StudyScale,
} from '../api/contract'

interface ScaleSpec {
  data: Pick<
    ParsedInput<'datasets.generate'>,
    'canvasSize' | 'digitSize' | 'clipLength' | 'trainClips' | 'valClips' | 'testClips'
  >
  config: RunConfig
  /** Seeds per arm unless asked otherwise. */
  seeds: number
}

/**
 * The Flying Digits protocol (docs/method.md §4) at three sizes. `paper` is the published
 * configuration (4×64 ConvLSTM, 5×5, patch 4, batch 8, Adam 3e-4, 80 000 iterations, reverse
 * input) for a GPU box; `small` is sized so 3 seeds of every arm and ablation finish in about
 * 100 minutes on a 2-core CPU (docs/studies.md says why these sizes); `tiny` proves the whole
 * pipeline in minutes, with 2 seeds so CI exercises the intervals without doubling its time
 * twice over.
 */
export const SCALES: Record<StudyScale, ScaleSpec> = {
  tiny: {
    data: {
      canvasSize: 32,
      digitSize: 14,
      // 5 → 5 scored to 5 → 10 (docs/method.md §5.2): 3× would make CI's study slower.
      clipLength: 15,
      trainClips: 400,
      valClips: 40,
      testClips: 100,
    },
    config: RunConfig.parse({
      model: { hidden: [8, 8], kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 },
      train: {
        inputFrames: 5,
        outputFrames: 5,
        batchSize: 4,
        iterations: 60,
        etaDecay: etaDecayFor(60),
        learningRate: 3e-3,
        evalEvery: 30,
        checkpointEvery: 30,
      },
      validationClips: 40,
      testClips: 100,
    }),
    seeds: 2,
  },
  small: {
    data: {
      canvasSize: 32,
      digitSize: 14,
      clipLength: 20,
      trainClips: 2_000,
      valClips: 100,
      testClips: 200,
    },
    config: RunConfig.parse({
      model: { hidden: [16, 16], kernelSize: 3, patchSize: 4, imageHeight: 32, imageWidth: 32 },
      train: {
        inputFrames: 5,
        outputFrames: 5,
        batchSize: 8,
        iterations: 800,
        etaDecay: etaDecayFor(800),
        learningRate: 1e-3,
        // Half the cost of an iteration: what lets 3 seeds of 13 arms fit (docs/studies.md).
        reverseInput: false,
        evalEvery: 400,
        checkpointEvery: 400,
      },
      validationClips: 100,
      testClips: 200,
    }),
    seeds: 3,
  },
  paper: {
    data: {
      canvasSize: 64,
      digitSize: 28,
      clipLength: 20,
      trainClips: 10_000,
      valClips: 500,
      testClips: 1_000,
    },
    config: RunConfig.parse({
      model: RUN_PRESETS.paper.model,
      train: RUN_PRESETS.paper.train,
      validationClips: 500,
      testClips: RUN_PRESETS.paper.testClips,
    }),
    seeds: 3,
  },
}

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
    ...SCALES[scale].data,
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

/** The run configuration of one arm: the plan's, with the arm's TMU and λ options. */
export function armConfig(config: RunConfig, arm: StudyArmPlan, seed: number): RunConfig {
  const train = { ...config.train, ...arm.train, seed }
  if (arm.kind !== 'tmu') return RunConfig.parse({ ...config, train })
  return RunConfig.parse({
    ...config,
    model: { ...config.model, tmu: { ...arm.tmu, sources: arm.sources.length } },
    train,
  })
}
