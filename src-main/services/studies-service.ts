import {
  etaDecayFor,
  RUN_PRESETS,
  StudyScale,
  GenerateDatasetInput,
  RunConfig,
  WorkbenchError,
  type BackendPreference,
  type Dataset,
  type ParsedInput,
  type Run,
  type StudyArm,
  type StudyResults,
  type StudyState,
} from '../api/contract'
import { createLogger } from '../util/logger'
import type { DatasetsService } from './datasets-service'
import type { Emit } from './events'
import type { ExperimentsService } from './experiments-service'
import type { RunsService } from './runs-service'
import type { ZooService } from './zoo-service'

const log = createLogger('studies')

interface ScaleSpec {
  data: Pick<
    ParsedInput<'datasets.generate'>,
    'canvasSize' | 'digitSize' | 'clipLength' | 'trainClips' | 'valClips' | 'testClips'
  >
  config: RunConfig
}

/**
 * The Flying Digits protocol (docs/method.md §4) at three sizes. `paper` is the published
 * configuration (4×64 ConvLSTM, 5×5, patch 4, batch 8, Adam 3e-4, 80 000 iterations, reverse
 * input) for a GPU box; `small` is a CPU evening; `tiny` proves the whole pipeline on a
 * laptop in minutes (32×32 frames, 5 → 5, 2×8 ConvLSTM, a few dozen iterations).
 */
const SCALES: Record<StudyScale, ScaleSpec> = {
  tiny: {
    data: {
      canvasSize: 32,
      digitSize: 14,
      clipLength: 10,
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
  },
  small: {
    data: {
      canvasSize: 64,
      digitSize: 28,
      clipLength: 20,
      trainClips: 2000,
      valClips: 100,
      testClips: 200,
    },
    config: RunConfig.parse({
      model: { hidden: [32, 32], kernelSize: 5, patchSize: 4 },
      train: {
        batchSize: 4,
        iterations: 2_000,
        etaDecay: etaDecayFor(2_000),
        evalEvery: 500,
        checkpointEvery: 500,
      },
      validationClips: 100,
      testClips: 200,
    }),
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
  },
}

const POLL_MS = 1_000
const ENDED = new Set(['completed', 'failed', 'cancelled', 'interrupted'])

export interface StudiesDeps {
  datasets: DatasetsService
  experiments: ExperimentsService
  runs: RunsService
  zoo: ZooService
  emit: Emit
}

export function createStudiesService(deps: StudiesDeps) {
  const states = new Map<number, StudyState>()
  /** Studies whose arms something is waiting on (the pipeline or a restart), so one reports. */
  const watching = new Set<number>()
  let closed = false

  function report(state: StudyState) {
    states.set(state.experimentId, state)
    deps.emit('studies.changed', state)
    log.info(state.message, { experimentId: state.experimentId, stage: state.stage })
  }

  function dataset(scale: StudyScale, digits: number): Dataset {
    const name = `Flying Digits · ${digits} digit${digits > 1 ? 's' : ''} · ${scale}`
    const existing = deps.datasets.list().find((d) => d.name === name)
    if (existing) return existing
    return deps.datasets.generate(
      GenerateDatasetInput.parse({
        name,
        digitsPerClip: digits,
        seed: digits,
        ...SCALES[scale].data,
      }),
    )
  }

  /** Resolves when every run has ended; throws naming the first that did not complete. */
  async function finished(ids: number[]): Promise<Run[]> {
    for (;;) {
      if (closed) throw new Error('the workbench closed before the study finished')
      const runs = ids.map((id) => deps.runs.get(id))
      if (runs.every((r) => ENDED.has(r.status))) {
        const bad = runs.find((r) => r.status !== 'completed')
        if (bad)
          throw new Error(`run "${bad.name}" ${bad.status}${bad.error ? `: ${bad.error}` : ''}`)
        return runs
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  /** The study's target arms (every run but the sources), oldest first. */
  const armsOf = (experimentId: number) =>
    deps.runs
      .list(experimentId)
      .filter((r) => r.kind !== 'source')
      .sort((a, b) => a.id - b.id)

  /** Waits for every target arm to end, then says whether the study is done or which arm is not. */
  async function awaitArms(experimentId: number, scale: StudyScale) {
    if (watching.has(experimentId)) return
    watching.add(experimentId)
    try {
      await finished(armsOf(experimentId).map((a) => a.id))
      report({
        experimentId,
        scale,
        stage: 'done',
        message: 'all arms evaluated on the same test clips',
      })
    } catch (error) {
      report({ experimentId, scale, stage: 'failed', message: (error as Error).message })
    } finally {
      watching.delete(experimentId)
    }
  }

  async function pipeline(
    experimentId: number,
    scale: StudyScale,
    config: RunConfig,
    target: Dataset,
    sourceSets: Dataset[],
  ) {
    const base = { experimentId, config }
    report({
      experimentId,
      scale,
      stage: 'sources',
      message: 'training the zoo: sources on 1 and 2 digits',
    })
    const sources = sourceSets.map((set, i) =>
      deps.runs.create({
        ...base,
        name: `source · ${i + 1} digit${i ? 's' : ''}`,
        kind: 'source',
        datasetId: set.id,
        sourceRunIds: [],
        start: true,
      }),
    )
    await finished(sources.map((s) => s.id))
    const zooNames = sources.map((s, i) => `FD-${i + 1} ${scale} (study ${experimentId})`)
    sources.forEach((s, i) => deps.zoo.add({ runId: s.id, name: zooNames[i]! }))

    report({
      experimentId,
      scale,
      stage: 'arms',
      message: 'training the arms on 3 digits: scratch, finetune, TMU',
    })
    const ids = sources.map((s) => s.id)
    deps.runs.create({
      ...base,
      name: 'scratch',
      kind: 'scratch',
      datasetId: target.id,
      sourceRunIds: [],
      start: true,
    })
    sources.forEach((s, i) =>
      deps.runs.create({
        ...base,
        name: `finetune ← ${zooNames[i]}`,
        kind: 'finetune',
        datasetId: target.id,
        sourceRunIds: [s.id],
        start: true,
      }),
    )
    deps.runs.create({
      ...base,
      config: RunConfig.parse({
        ...config,
        model: { ...config.model, tmu: { sources: ids.length } },
      }),
      name: `TMU ← ${ids.length} sources`,
      kind: 'tmu',
      datasetId: target.id,
      sourceRunIds: ids,
      start: true,
    })
    await awaitArms(experimentId, scale)
  }

  function arm(run: Run): StudyArm {
    const evaluation = deps.runs.evaluation(run.id, 'test')
    return {
      runId: run.id,
      name: run.name,
      kind: run.kind,
      status: run.status,
      backend: run.backend,
      mse: evaluation?.mse ?? [],
      ssim: evaluation?.ssim ?? [],
      meanMse: evaluation?.meanMse ?? null,
      meanSsim: evaluation?.meanSsim ?? null,
      meanPsnr: evaluation?.meanPsnr ?? null,
    }
  }

  return {
    /** Creates the datasets and the study's experiment, then trains in the background. */
    /** Every run of the study trains on `backend` (recorded in each run's config). */
    flyingDigits(scale: StudyScale, backend: BackendPreference): StudyState {
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ')
      const experiment = deps.experiments.create({
        name: `Flying Digits study · ${scale} · ${stamp}`,
        description:
          'Target: 3-digit Flying Digits. Zoo: ConvLSTMs trained on 1 and 2 digits. Arms: scratch, finetune from each source, TMU with both (docs/method.md §4).',
        tags: ['study', 'flying-digits', scale],
      })
      const experimentId = experiment.id
      report({
        experimentId,
        scale,
        stage: 'datasets',
        message: 'generating 1-, 2- and 3-digit Flying Digits',
      })
      const [one, two, three] = [1, 2, 3].map((digits) => dataset(scale, digits)) as [
        Dataset,
        Dataset,
        Dataset,
      ]
      const config = { ...SCALES[scale].config, backend }
      void pipeline(experimentId, scale, config, three, [one, two]).catch((error: unknown) =>
        report({ experimentId, scale, stage: 'failed', message: (error as Error).message }),
      )
      return states.get(experimentId)!
    },

    state: (experimentId: number) => states.get(experimentId),

    /**
     * Trains a target arm that stopped short again on `backend`; the study then waits for its
     * arms and reports done once they all complete. Sources are not arms: the arms were built
     * on them, so a study whose source failed is started again instead.
     */
    async restartArm({
      experimentId,
      runId,
      backend,
    }: ParsedInput<'studies.restartArm'>): Promise<Run> {
      const experiment = deps.experiments.get(experimentId)
      const scale = StudyScale.options.find((s) => experiment.tags.includes(s))
      if (!experiment.tags.includes('study') || !scale) {
        throw new WorkbenchError('invalid_input', `experiment "${experiment.name}" is not a study`)
      }
      const run = deps.runs.get(runId)
      if (run.experimentId !== experimentId || run.kind === 'source') {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" is not a target arm of study "${experiment.name}"`,
        )
      }
      const restarted = await deps.runs.restart({ id: runId, backend })
      report({
        experimentId,
        scale,
        stage: 'arms',
        message: `training "${run.name}" again on ${backend}`,
      })
      void awaitArms(experimentId, scale)
      return restarted
    },

    results(experimentId: number): StudyResults {
      deps.experiments.get(experimentId)
      const runs = deps.runs.list(experimentId).sort((a, b) => a.id - b.id)
      if (runs.length === 0)
        throw new WorkbenchError('not_found', `experiment ${experimentId} has no runs`)
      return {
        experimentId,
        arms: runs.filter((r) => r.kind !== 'source').map(arm),
        sources: runs.filter((r) => r.kind === 'source').map(arm),
      }
    },

    close() {
      closed = true
    },
  }
}

export type StudiesService = ReturnType<typeof createStudiesService>
