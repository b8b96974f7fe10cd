// Plain-words validation messages for every schema, set before any is used.
import './plain-messages'
// The domain types the contract's schemas are made of, so the renderer reads them here too.
export {
  BACKEND_ORDER,
  BackendPreference,
  BackendProbe,
  fallbackBackends,
} from '../../domain/backends'
export type { BackendName } from '../../domain/backends'
export * from '../../domain/model'
export * from '../../domain/runs'
export * from '../../domain/unread-settings'
export * from './datasets'
export * from './errors'
export * from './experiments'
export * from './footprint-text'
export * from './jobs'
export * from './methods'
export * from './presets'
export * from './runs'
export * from './settings'
export * from '../../domain/cluster'
export * from './studies'
export * from './study-scales'
export * from './system'
export * from './wire'
export * from './zoo'
