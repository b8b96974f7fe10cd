export { BackendUnavailableError, initBackend, probeBackends } from './select'
export type { InitBackendOptions } from './select'
export { BACKEND_ORDER } from './types'
export type { BackendAttempt, BackendName, BackendPreference, BackendReport } from './types'
export {
  MemoryBudgetError,
  assertFitsBackend,
  backendMemoryLimitBytes,
  estimateTrainingMemoryBytes,
  planBatch,
} from './memory'
export type { BatchPlan, TrainingMemoryEstimate } from './memory'
