import type { SavedClipGates } from '../jobs/prediction-files'
import { alignComparison, comparisonRows } from '../media/comparison-rows'
import { labelledPlayerStrip } from '../media/labelled-export'
import { bitmapLabel } from '../media/line-chart'
import { tmuLayerIndices } from '../ml/tmu/tmu-layers'
import type { DatasetsService } from './datasets-service'
import { encodePng } from './png'
import type { RunArtifactsService } from './run-artifacts-service'
import type { ArmIntrospection, SampleStrip } from './study-report'
import type { ArmRuns } from './study-results'

/**
 * What a study report shows beyond numbers, read from what its runs saved: a strip of sample
 * clips (truth against every arm) and each TMU arm's gates and memory over the test clips.
 */

export interface StudyMediaDeps {
  datasets: Pick<DatasetsService, 'clip'>
  artifacts: Pick<RunArtifactsService, 'prediction' | 'introspection'>
}

const completed = (arm: ArmRuns) =>
  arm.seeds.filter((s) => s.run.status === 'completed' && s.evaluation !== null)

/** Element-wise mean of equally shaped nested arrays; null where any value is missing. */
function meanOf(arrays: unknown[]): unknown {
  const first = arrays[0]
  if (Array.isArray(first)) {
    return first.map((_, i) => meanOf(arrays.map((a) => (a as unknown[])[i])))
  }
  const values = arrays as (number | null | undefined)[]
  if (values.some((v) => v === null || v === undefined || !Number.isFinite(v))) return null
  return (values as number[]).reduce((sum, v) => sum + v, 0) / values.length
}

/**
 * A TMU arm's gate usage per source and its carried memory's magnitude per layer, by step:
 * the mean over its scored seeds' test clips. Null for other arms and before any is scored.
 */
export function armIntrospection(
  arm: ArmRuns,
  sourceNames: readonly string[],
  { artifacts }: StudyMediaDeps,
): ArmIntrospection | null {
  const seeds = completed(arm).filter((s) => s.run.config.model.tmu)
  if (seeds.length === 0) return null
  const clips: SavedClipGates[] = seeds.flatMap((s) => artifacts.introspection(s.run.id))
  if (clips.length === 0) return null
  const withMemory = clips.filter((c) => c.memoryMagnitude)
  return {
    arm: arm.plan.name,
    layers: tmuLayerIndices(seeds[0]!.run.config.model).map((l) => l + 1),
    sources: [...sourceNames],
    gateMean: meanOf(clips.map((c) => c.gateMean)) as (number | null)[][][],
    memoryMagnitude: withMemory.length
      ? (meanOf(withMemory.map((c) => c.memoryMagnitude)) as (number | null)[][])
      : [],
  }
}

/**
 * Test clip `clip`: its truth over the predicted frames, then each arm's first scored seed,
 * as one labelled PNG (the compare player's PNG layout, media/labelled-export.ts). Null when
 * no arm has saved predictions yet.
 */
export async function sampleStrip(
  arms: readonly ArmRuns[],
  datasetId: number,
  clip: number,
  { datasets, artifacts }: StudyMediaDeps,
): Promise<SampleStrip | null> {
  const shown = arms.flatMap((arm) => {
    const seed = completed(arm)[0]
    return seed ? [{ arm: arm.plan.name, run: seed.run, seed: seed.seed }] : []
  })
  if (shown.length === 0) return null
  const truth = await datasets.clip({ id: datasetId, split: 'test', clip })
  const aligned = alignComparison(
    truth,
    shown.map((s) => artifacts.prediction(s.run.id, clip)),
  )
  const rows = comparisonRows(
    aligned.truth,
    shown.map((s, i) => ({
      id: `run-${s.run.id}`,
      label: bitmapLabel(`${s.arm} (seed ${s.seed + 1})`),
      clip: aligned.predictions[i]!,
    })),
    { abs: false, signed: false },
  )
  const width = aligned.truth.shape[2]
  const image = labelledPlayerStrip(rows, aligned.truth.shape[0], {
    zoom: Math.max(1, Math.round(64 / width)),
    inputFrames: aligned.inputFrames,
  })
  return { clip, rows: ['Ground truth', ...shown.map((s) => s.arm)], png: encodePng(image) }
}
