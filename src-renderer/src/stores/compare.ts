import type { ClipGates, ClipTmuMaps, EvaluationSummary, Input } from '@contract/index'
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useApi } from '../api/client'
import { alignComparison, type AlignedComparison } from '@media/comparison-rows'
import type { Clip } from '@media/frames'

export interface LoadedClip extends Omit<AlignedComparison, 'predictions'> {
  clip: number
  predictions: Map<number, Clip>
}

/** The compare view's data: test evaluations of the chosen runs and one clip's frames. */
export const useCompareStore = defineStore('compare', () => {
  const api = useApi()
  const evaluations = shallowRef(new Map<number, EvaluationSummary | null>())
  const loaded = shallowRef<LoadedClip | null>(null)
  const loading = ref(false)
  /** Per TMU run on screen: its sources' mean gates over the loaded clip's steps. */
  const gates = shallowRef(new Map<number, ClipGates>())
  /** Per TMU run on screen: its maps of the loaded clip, null where it kept none for it. */
  const tmuMaps = shallowRef(new Map<number, ClipTmuMaps | null>())

  async function loadEvaluations(runIds: number[]) {
    const missing = runIds.filter((id) => !evaluations.value.has(id))
    const fetched = await Promise.all(
      missing.map(
        async (id) => [id, await api.call('runs.evaluation', { id, split: 'test' })] as const,
      ),
    )
    if (fetched.length) evaluations.value = new Map([...evaluations.value, ...fetched])
  }

  /** Loads the truth and every run's prediction of one test clip; they arrive together. */
  async function loadClip(datasetId: number, runIds: number[], clip: number) {
    loading.value = true
    try {
      const [truthFrames, ...predictions] = await Promise.all([
        api.call('datasets.clip', { id: datasetId, split: 'test', clip }),
        ...runIds.map((id) => api.call('runs.prediction', { id, clip })),
      ])
      const aligned = alignComparison(truthFrames!, predictions)
      loaded.value = {
        ...aligned,
        clip,
        predictions: new Map(runIds.map((id, i) => [id, aligned.predictions[i]!])),
      }
    } finally {
      loading.value = false
    }
  }

  async function loadGates(tmuRunIds: number[], clip: number) {
    const fetched = await Promise.all(
      tmuRunIds.map(async (id) => [id, await api.call('runs.gates', { id, clip })] as const),
    )
    gates.value = new Map(fetched)
  }

  async function loadTmuMaps(tmuRunIds: number[], clip: number) {
    const fetched = await Promise.all(
      tmuRunIds.map(async (id) => [id, await api.call('runs.tmuMaps', { id, clip })] as const),
    )
    tmuMaps.value = new Map(fetched)
  }

  /** The player as a labelled MP4, encoded main-side by ffmpeg. */
  const exportVideo = (input: Input<'runs.exportVideo'>) => api.call('runs.exportVideo', input)

  function clear() {
    loaded.value = null
    gates.value = new Map()
    tmuMaps.value = new Map()
  }

  return {
    evaluations,
    loaded,
    loading,
    gates,
    tmuMaps,
    loadEvaluations,
    loadClip,
    loadGates,
    loadTmuMaps,
    exportVideo,
    clear,
  }
})
