import type { ClipFrames, SplitName, StepPredictions } from '@contract/index'
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { alignComparison } from '@media/comparison-rows'
import { useApi } from '../api/client'
import type { LoadedClip } from './compare'

/** One run's prediction to show: the run and the evaluation it was kept at. */
export interface StepChoice {
  runId: number
  iteration: number
}

/**
 * Predictions kept during training (`runs.stepPredictions`): which clips and iterations each run
 * on screen kept, re-read as its evaluations arrive, and one clip's frames at chosen iterations.
 */
export const useTrainingStepsStore = defineStore('training-steps', () => {
  const api = useApi()
  /** Per run asked about: what it kept; null before its first evaluation. */
  const indexes = shallowRef(new Map<number, StepPredictions | null>())
  /** The clip on screen, with the evaluation each run's prediction of it is from. */
  const loaded = shallowRef<(LoadedClip & { steps: StepChoice[] }) | null>(null)
  const loading = ref(false)
  /** The latest load: an earlier one still on its way (a slider dragged on) is dropped. */
  let latest = 0
  /** The truth changes only with the clip, not with the slider: kept between loads. */
  let truth: { key: string; frames: ClipFrames } | null = null

  async function refresh(runIds: number[]) {
    const fetched = await Promise.all(
      runIds.map(async (id) => [id, await api.call('runs.stepPredictions', { id })] as const),
    )
    indexes.value = new Map([...indexes.value, ...fetched])
  }

  // Each evaluation (and checkpoint) of a run says runs.changed: a new step may be listed.
  api.on('runs.changed', (e) => {
    if (indexes.value.has(e.id)) void refresh([e.id]).catch(() => undefined)
  })

  /** The truth of one kept clip and each run's prediction of it at the iteration chosen. */
  async function load(datasetId: number, split: SplitName, clip: number, steps: StepChoice[]) {
    const request = ++latest
    loading.value = true
    try {
      const key = `${datasetId}:${split}:${clip}`
      const [truthFrames, ...predictions] = await Promise.all([
        truth?.key === key
          ? truth.frames
          : api.call('datasets.clip', { id: datasetId, split, clip }),
        ...steps.map((s) =>
          api.call('runs.stepPrediction', { id: s.runId, iteration: s.iteration, clip }),
        ),
      ])
      if (request !== latest) return
      truth = { key, frames: truthFrames! }
      const aligned = alignComparison(truthFrames!, predictions)
      loaded.value = {
        ...aligned,
        clip,
        steps,
        predictions: new Map(steps.map((s, i) => [s.runId, aligned.predictions[i]!])),
      }
    } finally {
      if (request === latest) loading.value = false
    }
  }

  function clear() {
    latest++
    loaded.value = null
    loading.value = false
  }

  return { indexes, loaded, loading, refresh, load, clear }
})
