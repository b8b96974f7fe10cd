import { describe, expect, it } from 'vitest'
import { makeRun } from '../testing/fixtures'
import { EMPTY_RUN_FILTER, filterRuns, runsToCsv, sortRuns } from './run-table'

const NOW = Date.parse('2026-01-01T01:00:00.000Z')
const a = makeRun({ id: 1, name: 'alpha', kind: 'source', tags: ['paper'], test: null })
const b = makeRun({
  id: 2,
  name: 'Beta',
  kind: 'tmu',
  tags: ['paper', 'fd3'],
  status: 'running',
  finishedAt: null,
  trainedSeconds: 0,
  test: { mse: 20, mae: 1, ssim: 0.95, psnr: 22 },
})
const c = makeRun({ id: 3, name: 'gamma', notes: 'ablation of the gate', lastLoss: null })

describe('filterRuns', () => {
  it('matches text in name, notes and tags', () => {
    expect(filterRuns([a, b, c], { ...EMPTY_RUN_FILTER, text: 'GATE' })).toEqual([c])
    expect(filterRuns([a, b, c], { ...EMPTY_RUN_FILTER, text: 'fd3' })).toEqual([b])
  })

  it('needs every chosen tag, and any chosen status or kind', () => {
    expect(filterRuns([a, b, c], { ...EMPTY_RUN_FILTER, tags: ['paper', 'fd3'] })).toEqual([b])
    expect(filterRuns([a, b, c], { ...EMPTY_RUN_FILTER, statuses: ['completed'] })).toEqual([a, c])
    expect(filterRuns([a, b, c], { ...EMPTY_RUN_FILTER, kinds: ['source', 'tmu'] })).toEqual([a, b])
    const archived = { ...c, archived: true }
    expect(filterRuns([a, archived], EMPTY_RUN_FILTER)).toEqual([a])
    expect(filterRuns([a, archived], { ...EMPTY_RUN_FILTER, includeArchived: true })).toEqual([
      a,
      archived,
    ])
  })
})

describe('sortRuns', () => {
  it('sorts text case-insensitively both ways', () => {
    expect(sortRuns([c, b, a], 'name', 'asc', NOW).map((r) => r.id)).toEqual([1, 2, 3])
    expect(sortRuns([c, b, a], 'name', 'desc', NOW).map((r) => r.id)).toEqual([3, 2, 1])
  })

  it('sorts numbers numerically with missing values last', () => {
    expect(sortRuns([a, b, c], 'mse', 'asc', NOW).map((r) => r.id)).toEqual([2, 3, 1])
    expect(sortRuns([a, b, c], 'mse', 'desc', NOW).map((r) => r.id)).toEqual([3, 2, 1])
    expect(sortRuns([c, a], 'loss', 'desc', NOW).map((r) => r.id)).toEqual([1, 3])
  })

  it('counts a running run to now', () => {
    expect(sortRuns([a, b], 'duration', 'desc', NOW).map((r) => r.id)).toEqual([2, 1])
  })

  it("adds a resumed run's earlier attempts to the one going", () => {
    // 100 s before it was interrupted, resumed 10 minutes before NOW.
    const resumed = { ...b, trainedSeconds: 100, startedAt: '2026-01-01T00:50:00.000Z' }
    expect(runsToCsv([resumed], ['duration'], NOW)).toBe('id,Duration (s)\r\n2,700\r\n')
  })
})

describe('runsToCsv', () => {
  it('writes the shown columns with raw numbers and the id first', () => {
    expect(runsToCsv([b], ['name', 'mse', 'duration', 'tags'], NOW)).toBe(
      'id,Name,Test MSE,Duration (s),Tags\r\n2,Beta,20,3600,"paper, fd3"\r\n',
    )
  })
})
