import type { Run } from '@contract/index'

export type ConfigValue = string | number | boolean | null

/**
 * Flattens nested objects to dotted keys (`model.tmu.gate`); arrays stay one value (`[16, 16]`)
 * because a list of layer widths is read as one setting, not per index.
 */
export function flattenConfig(value: unknown, prefix = ''): Record<string, ConfigValue> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { [prefix]: formatLeaf(value) }
  }
  const out: Record<string, ConfigValue> = {}
  for (const [key, child] of Object.entries(value)) {
    Object.assign(out, flattenConfig(child, prefix ? `${prefix}.${key}` : key))
  }
  return out
}

function formatLeaf(value: unknown): ConfigValue {
  if (Array.isArray(value)) return `[${value.map((v) => formatLeaf(v)).join(', ')}]`
  if (value === undefined) return null
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return value
  }
  return value === null ? null : JSON.stringify(value)
}

export interface DiffRow {
  key: string
  /** One value per compared config, in order; undefined where that config lacks the key. */
  values: (ConfigValue | undefined)[]
}

/** The keys whose values are not all the same across the configs, sorted by key. */
export function diffConfigs(configs: unknown[]): DiffRow[] {
  const flat = configs.map((c) => flattenConfig(c))
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort()
  return keys
    .map((key) => ({ key, values: flat.map((f) => (Object.hasOwn(f, key) ? f[key] : undefined)) }))
    .filter((row) => row.values.some((v) => v !== row.values[0]))
}

/** What a run diff compares: its config plus what it ran on and transferred from. */
export function runDiffSubject(run: Run): Record<string, unknown> {
  return {
    kind: run.kind,
    dataset: run.datasetName,
    sourceRunIds: run.sourceRunIds,
    ...run.config,
  }
}
