import type { ClipGates, EvaluationSummary } from '@contract/index'
import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { useApi } from '../api/client'
import { decodeClip, sliceClip, type Clip } from '@media/frames'

export interface LoadedClip {
  clip: number
  /** The truth over the predicted frames (from inputFrames on), aligned with the predictions. */
  truth: Clip
  /** Frames before the first prediction: what the models saw. */
  inputFrames: number
  /** The truth's first inputFrames frames: the context every model was given. */
  inputs: Clip
  /** Runs saw different numbers of input frames: the truth row lines up with the first run. */
  mixedInputFrames: boolean
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
      const truth = decodeClip(truthFrames!)
      const decoded = predictions.map((p) => decodeClip(p))
      const inputFrames = predictions[0]!.inputFrames
      const count = Math.min(truth.shape[0] - inputFrames, ...decoded.map((c) => c.shape[0]))
      loaded.value = {
        clip,
        truth: sliceClip(truth, inputFrames, count),
        inputFrames,
        inputs: sliceClip(truth, 0, inputFrames),
        mixedInputFrames: predictions.some((p) => p.inputFrames !== inputFrames),
        predictions: new Map(runIds.map((id, i) => [id, sliceClip(decoded[i]!, 0, count)])),
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

  function clear() {
    loaded.value = null
    gates.value = new Map()
  }

  return { evaluations, loaded, loading, gates, loadEvaluations, loadClip, loadGates, clear }
})
