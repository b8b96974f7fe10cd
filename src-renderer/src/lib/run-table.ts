import type { Run, RunKind, RunStatus } from '@contract/index'
import { toCsv } from './csv'
import { formatDuration, formatMetric } from './format'

export type RunColumnId =
  | 'name'
  | 'kind'
  | 'dataset'
  | 'model'
  | 'backend'
  | 'status'
  | 'progress'
  | 'loss'
  | 'mse'
  | 'ssim'
  | 'duration'
  | 'tags'
  | 'created'

type SortKey = string | number | null

export interface RunColumn {
  id: RunColumnId
  label: string
  /** The CSV header when the CSV holds a raw number the label doesn't give the unit of. */
  csvLabel?: string
  /** What sorting compares: numbers numerically, text case-insensitively, null last. */
  sortKey(run: Run, nowMs: number): SortKey
  /** What the table and the CSV show. */
  text(run: Run, nowMs: number): string
  numeric?: boolean
}

/** Training time of a run over all its attempts, the one going (if any) to now. */
export function runDurationSeconds(run: Run, nowMs: number): number | null {
  if (!run.startedAt) return null
  const going = run.finishedAt ? 0 : (nowMs - Date.parse(run.startedAt)) / 1000
  return run.trainedSeconds + Math.max(0, going)
}

export function describeModel(run: Run): string {
  const { cell, hidden } = run.config.model
  const uniform = hidden.every((h) => h === hidden[0])
  return uniform ? `${cell} ${hidden.length}×${hidden[0]}` : `${cell} [${hidden.join(', ')}]`
}

export const RUN_COLUMNS: RunColumn[] = [
  { id: 'name', label: 'Name', sortKey: (r) => r.name, text: (r) => r.name },
  { id: 'kind', label: 'Kind', sortKey: (r) => r.kind, text: (r) => r.kind },
  {
    id: 'dataset',
    label: 'Dataset',
    sortKey: (r) => r.datasetName,
    text: (r) => r.datasetName ?? '—',
  },
  { id: 'model', label: 'Model', sortKey: describeModel, text: describeModel },
  {
    id: 'backend',
    label: 'Backend',
    sortKey: (r) => r.backend ?? r.config.backend,
    // Until it starts, the preference is all there is to show.
    text: (r) => r.backend ?? `${r.config.backend} (asked)`,
  },
  { id: 'status', label: 'Status', sortKey: (r) => r.status, text: (r) => r.status },
  {
    id: 'progress',
    label: 'Iteration',
    numeric: true,
    sortKey: (r) => r.iteration / r.config.train.iterations,
    text: (r) => `${r.iteration} / ${r.config.train.iterations}`,
  },
  {
    id: 'loss',
    label: 'Last loss',
    numeric: true,
    sortKey: (r) => r.lastLoss,
    text: (r) => formatMetric(r.lastLoss),
  },
  {
    id: 'mse',
    label: 'Test MSE',
    numeric: true,
    sortKey: (r) => r.test?.mse ?? null,
    text: (r) => formatMetric(r.test?.mse),
  },
  {
    id: 'ssim',
    label: 'Test SSIM',
    numeric: true,
    sortKey: (r) => r.test?.ssim ?? null,
    text: (r) => formatMetric(r.test?.ssim),
  },
  {
    id: 'duration',
    label: 'Duration',
    csvLabel: 'Duration (s)',
    numeric: true,
    sortKey: runDurationSeconds,
    text: (r, now) => formatDuration(runDurationSeconds(r, now)),
  },
  { id: 'tags', label: 'Tags', sortKey: (r) => r.tags.join(' '), text: (r) => r.tags.join(', ') },
  {
    id: 'created',
    label: 'Created',
    sortKey: (r) => r.createdAt,
    text: (r) => new Date(r.createdAt).toLocaleString(),
  },
]

export const DEFAULT_RUN_COLUMNS: RunColumnId[] = RUN_COLUMNS.filter((c) => c.id !== 'created').map(
  (c) => c.id,
)

export function runColumn(id: RunColumnId): RunColumn {
  return RUN_COLUMNS.find((c) => c.id === id)!
}

export interface RunFilter {
  /** Matches name, dataset, model, notes and tags, case-insensitively. */
  text: string
  /** Runs must carry every one of these tags. */
  tags: string[]
  /** Empty = any. */
  statuses: RunStatus[]
  kinds: RunKind[]
  /** Archived runs are kept out of the list unless asked for. */
  includeArchived: boolean
}

export const EMPTY_RUN_FILTER: RunFilter = {
  text: '',
  tags: [],
  statuses: [],
  kinds: [],
  includeArchived: false,
}

export function filterRuns(runs: Run[], filter: RunFilter): Run[] {
  const needle = filter.text.trim().toLowerCase()
  return runs.filter(
    (r) =>
      (filter.includeArchived || !r.archived) &&
      filter.tags.every((t) => r.tags.includes(t)) &&
      (filter.statuses.length === 0 || filter.statuses.includes(r.status)) &&
      (filter.kinds.length === 0 || filter.kinds.includes(r.kind)) &&
      (!needle ||
        [r.name, r.datasetName ?? '', describeModel(r), r.notes, ...r.tags].some((s) =>
          s.toLowerCase().includes(needle),
        )),
  )
}

export type SortDirection = 'asc' | 'desc'

/** Stable sort by a column; rows without a value go last in either direction. */
export function sortRuns(
  runs: Run[],
  by: RunColumnId,
  direction: SortDirection,
  nowMs: number,
): Run[] {
  const column = runColumn(by)
  const sign = direction === 'asc' ? 1 : -1
  return runs
    .map((run) => ({ run, key: column.sortKey(run, nowMs) }))
    .sort((a, b) => {
      if (a.key === null || b.key === null) return a.key === b.key ? 0 : a.key === null ? 1 : -1
      if (typeof a.key === 'number' && typeof b.key === 'number') return sign * (a.key - b.key)
      return sign * String(a.key).localeCompare(String(b.key), undefined, { sensitivity: 'base' })
    })
    .map((entry) => entry.run)
}

/** The table as shown (same columns, rows and order) plus the run id, as CSV. */
export function runsToCsv(runs: Run[], columns: RunColumnId[], nowMs: number): string {
  const shown = columns.map(runColumn)
  return toCsv(
    ['id', ...shown.map((c) => c.csvLabel ?? c.label)],
    runs.map((r) => [r.id, ...shown.map((c) => csvValue(c, r, nowMs))]),
  )
}

/** Numbers stay full-precision numbers in the CSV; the table rounds them for reading. */
function csvValue(column: RunColumn, run: Run, nowMs: number): string | number | null {
  if (!column.numeric || column.id === 'progress') return column.text(run, nowMs)
  return column.sortKey(run, nowMs)
}
