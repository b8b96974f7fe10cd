export { BackendUnavailableError, initBackend, probeBackends } from './select'
export type { InitBackendOptions } from './select'
export { BACKEND_ORDER } from '../../domain/backends'
export type {
  BackendAttempt,
  BackendName,
  BackendPreference,
  BackendReport,
} from '../../domain/backends'
export {
  MemoryBudgetError,
  assertFitsBackend,
  backendMemoryLimitBytes,
  estimateTrainingMemoryBytes,
  planBatch,
} from './memory'
export type { BatchPlan, TrainingMemoryEstimate } from './memory'
