import type { CellKind, Input, StudyState } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { microConfig } from './test-workbench'

/**
 * A study of micro runs (16×16, 2 → 2, 4 iterations) on 12 test clips: a 1-digit source (or,
 * given `sourceCells`, one source per backbone on it, two layers deep) and the arms asked for,
 * seeded per arm, on `targetCell` (default ConvLSTM). `done()` resolves with its state once it
 * is done or failed.
 */
export async function microStudy(
  wb: Workbench,
  arms: Input<'studies.create'>['plan']['arms'],
  seeds: number,
  { sourceCells, targetCell }: { sourceCells?: readonly CellKind[]; targetCell?: CellKind } = {},
) {
  const generate = (name: string, digits: number) =>
    wb.call('datasets.generate', {
      name,
      canvasSize: 16,
      digitSize: 8,
      clipLength: 4,
      digitsPerClip: digits,
      trainClips: 8,
      valClips: 2,
      testClips: 12,
      seed: digits,
    })
  const config = microConfig()
  const source = await generate('micro 1 digit', 1)
  const target = await generate('micro 2 digits', 2)
  const state = await wb.call('studies.create', {
    name: 'micro study',
    plan: {
      targetDatasetId: target.id,
      sources: sourceCells
        ? sourceCells.map((cell, i) => ({
            name: `FD-${i + 1} micro ${cell}`,
            datasetId: source.id,
            cell,
          }))
        : arms.some((a) => a.kind !== 'scratch')
          ? [{ name: 'FD-1 micro', datasetId: source.id }]
          : [],
      config: {
        ...config,
        model: {
          ...config.model,
          cell: targetCell ?? config.model.cell,
          hidden: sourceCells ? [2, 2] : config.model.hidden,
        },
        testClips: 12,
      },
      seeds,
      arms,
    },
  })
  // Listened for from the start: a study may end before its caller asks.
  const ended = untilStage(wb, state.experimentId, ['done', 'failed'])
  return { state, done: () => ended }
}

/** Resolves with the first `studies.changed` state of the study at one of `stages`. */
export function untilStage(wb: Workbench, experimentId: number, stages: StudyState['stage'][]) {
  return new Promise<StudyState>((resolve) => {
    const stop = wb.onEvent((event, payload) => {
      const state = payload as StudyState
      if (
        event === 'studies.changed' &&
        state.experimentId === experimentId &&
        stages.includes(state.stage)
      ) {
        stop()
        resolve(state)
      }
    })
  })
}
