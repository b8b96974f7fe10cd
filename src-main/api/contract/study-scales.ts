import type { z } from 'zod'
import { CELL_LABELS, etaDecayFor, type CellKind } from '../../domain/model'
import type { GenerateDatasetInput } from './datasets'
import { RUN_PRESETS } from './presets'
import { RunConfig } from './runs'
import type { StudyScale } from './studies'

export interface StudyScaleSpec {
  data: Pick<
    z.output<typeof GenerateDatasetInput>,
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
export const STUDY_SCALES: Record<StudyScale, StudyScaleSpec> = {
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
 * A scale's configuration in words ("32×32 frames, 5 → 5, a 2×16 ConvLSTM, …"), read off the
 * spec itself so what the Studies page and `tmu study --help` promise is what a study trains;
 * `targetCell` names the backbone where the study puts its target on another.
 */
export function describeStudyScale(
  scale: StudyScale,
  targetCell: CellKind = STUDY_SCALES[scale].config.model.cell,
): string {
  const { config, seeds } = STUDY_SCALES[scale]
  const { model, train } = config
  const sameWidth = model.hidden.every((h) => h === model.hidden[0])
  const layers = sameWidth
    ? `${model.hidden.length}×${model.hidden[0]}`
    : `${model.hidden.join(', ')}-channel`
  return [
    `${model.imageHeight}×${model.imageWidth} frames`,
    `${train.inputFrames} → ${train.outputFrames}`,
    `a ${layers} ${CELL_LABELS[targetCell]}, ${model.kernelSize}×${model.kernelSize}`,
    `batch ${train.batchSize}`,
    `${train.iterations.toLocaleString('en-US').replace(/,/g, ' ')} iterations per run`,
    `${seeds} seeds per arm`,
  ].join(', ')
}
