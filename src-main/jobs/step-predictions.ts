import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { writeFileAtomic } from '../util/atomic-write'
import {
  stepPredictionFiles,
  StepPredictionsIndex,
  type PredictionsIndex,
} from './prediction-files'

/**
 * Validation clips whose predictions are kept at each evaluation: the first ones in store order,
 * so every run on a dataset keeps the same clips and Compare can line them up. Four show a few
 * motions yet cost little: K × evaluations × T_out × H × W bytes (64×64, 10 → 10, 50
 * evaluations: 8 MB), and they come out of the validation rollout already made.
 */
export const STEP_CLIPS = 4

/** The run's step index, or null when there is none or it is not one this workbench wrote. */
export function readStepIndex(runDir: string): StepPredictionsIndex | null {
  const { index } = stepPredictionFiles(runDir)
  if (!existsSync(index)) return null
  const parsed = StepPredictionsIndex.safeParse(JSON.parse(readFileSync(index, 'utf8')))
  return parsed.success ? parsed.data : null
}

/**
 * Saves one evaluation's predictions of the step clips, then lists its iteration in the index:
 * frames first, each file written whole, so a crash never leaves an iteration listed without them.
 */
export function saveStepPredictions(
  runDir: string,
  iteration: number,
  layout: PredictionsIndex,
  framesNTHWC: Uint8Array,
) {
  const files = stepPredictionFiles(runDir)
  mkdirSync(files.dir, { recursive: true })
  writeFileAtomic(files.frames(iteration), framesNTHWC)
  const before = readStepIndex(runDir)
  // Another layout (a changed config) starts the list over, without the old files.
  const same = before !== null && sameLayout(before, layout)
  if (before && !same) {
    for (const i of before.iterations) if (i !== iteration) rmSync(files.frames(i), { force: true })
  }
  const earlier = same ? before.iterations : []
  const iterations = [...new Set([...earlier, iteration])].sort((a, b) => a - b)
  const index: StepPredictionsIndex = { ...layout, iterations }
  writeFileAtomic(files.index, JSON.stringify(index))
}

function sameLayout(a: PredictionsIndex, b: PredictionsIndex) {
  return (
    a.split === b.split &&
    a.inputFrames === b.inputFrames &&
    a.shape.join() === b.shape.join() &&
    a.clips.join() === b.clips.join()
  )
}

/**
 * Forgets the evaluations after `iteration`: a run that trains again from an earlier checkpoint
 * (or from the start) makes them anew, and must not show the old attempt's meanwhile.
 */
export function forgetStepPredictionsAfter(runDir: string, iteration: number) {
  const index = readStepIndex(runDir)
  if (!index || index.iterations.every((i) => i <= iteration)) return
  const files = stepPredictionFiles(runDir)
  const kept = index.iterations.filter((i) => i <= iteration)
  writeFileAtomic(files.index, JSON.stringify({ ...index, iterations: kept }))
  for (const i of index.iterations) if (i > iteration) rmSync(files.frames(i), { force: true })
}
