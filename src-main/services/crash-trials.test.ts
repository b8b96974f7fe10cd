import Database from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, describe, expect, it } from 'vitest'
import { createRng } from '../data/random'
import { listCheckpoints, loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import { openTestWorkbench, setUpTinyRuns, untilLog, untilStatus } from '../testing/test-workbench'

/**
 * SIGKILL a trainer at random moments, again and again, and check after each kill what a
 * user relies on: the database is intact, no metric row the host had committed is lost,
 * the newest checkpoint folder loads, and resuming reaches the very weights (byte for byte)
 * and metrics of an uninterrupted run with the same seed. Two trials run at once (one per
 * core). A kill lands at a uniform random time while the trainer starts (one in five) or
 * while it trains, so kills hit mid-step, mid-evaluation and mid-checkpoint-write.
 */
const KILLS = 20
const MAX_TRIALS = 40
const SEED = 6
const TRAIN = { iterations: 10, checkpointEvery: 2, evalEvery: 4, keepCheckpoints: 2 }

type MetricRow = { name: string; iteration: number; value: number | null }

const wb = openTestWorkbench(undefined, 2)
afterAll(() => wb.close())

describe('a trainer SIGKILLed at random moments', () => {
  it(`loses nothing committed and resumes to identical weights (${KILLS} kills)`, async () => {
    const { create } = await setUpTinyRuns(wb)
    const created = Date.now()
    const reference = await create('reference', TRAIN)
    await untilLog(wb, reference.id, /^training on/)
    const startupMs = Date.now() - created
    expect(await untilStatus(wb, reference.id, ['completed', 'failed'])).toBe('completed')
    const trainingMs = Date.now() - created - startupMs
    const referenceWeights = readFileSync(finalWeights(reference.id))
    const referenceMetrics = await wb.call('runs.metrics', { id: reference.id })

    const random = createRng(SEED)
    const outcomes: string[] = []
    let trials = 0
    const worker = async () => {
      while (outcomes.filter((o) => o !== 'missed').length < KILLS && trials < MAX_TRIALS) {
        const trial = ++trials
        const run = await create(`trial ${trial}`, TRAIN)
        const training = untilLog(wb, run.id, /^training on/)
        const pid = await untilPid(run.id)
        // One kill in five while the trainer starts, the rest while it trains.
        if (random.float() < 0.2) await sleep(random.float() * startupMs)
        // (Scaled down: under load the reference's duration overstates a trial's.)
        else await training.then(() => sleep(random.float() * trainingMs * 0.8))
        const committed = metricRows(run.id)
        const killed = tryKill(pid)
        const status = await untilStatus(wb, run.id, ['failed', 'completed'])
        outcomes.push(killed && status === 'failed' ? await checkKilled(run.id) : 'missed')

        expect(integrityCheck()).toBe('ok')
        const after = metricRows(run.id)
        for (const row of committed) expect(after).toContainEqual(row)
        const { latest, skipped } = loadLatestCheckpoint(runDir(run.id))
        expect(skipped).toEqual([])
        expect(latest === null).toBe(listCheckpoints(runDir(run.id)).length === 0)

        if (status === 'failed') {
          await wb.call('runs.control', { id: run.id, action: 'resume' })
          expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
        }
        expect(readFileSync(finalWeights(run.id)).equals(referenceWeights)).toBe(true)
        expect(await wb.call('runs.metrics', { id: run.id })).toEqual(referenceMetrics)
      }
    }
    await Promise.all([worker(), worker()])
    console.info(`crash trials: ${trials} trials, kills by moment: ${tally(outcomes)}`)
    expect(outcomes.filter((o) => o !== 'missed').length).toBeGreaterThanOrEqual(KILLS)
    // 20+ trainer starts and resumes: about 80 s on 2 idle cores, well over the suite's
    // 120 s when other suites share the cores. A correctness trial, not a speed target.
  }, 360_000)
})

const runDir = (id: number) => join(wb.paths.runs, String(id))
const finalWeights = (id: number) =>
  join(runDir(id), `ckpt-${String(TRAIN.iterations).padStart(6, '0')}`, 'weights.safetensors')

/** Rows as SQLite holds them now: what the host has committed. */
function metricRows(runId: number): MetricRow[] {
  return wb.db
    .prepare<[number], MetricRow>('SELECT name, iteration, value FROM run_metrics WHERE run_id = ?')
    .all(runId)
}

/** Checked through a second connection, as another process opening the file would see it. */
function integrityCheck(): unknown {
  const db = new Database(wb.paths.database, { readonly: true })
  try {
    return db.pragma('integrity_check', { simple: true })
  } finally {
    db.close()
  }
}

async function untilPid(runId: number): Promise<number> {
  for (;;) {
    const job = (await wb.call('jobs.list', {})).find((j) => j.runId === runId)
    if (job?.pid) return job.pid
    await sleep(10)
  }
}

/** False when the trainer had already exited by itself. */
function tryKill(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL')
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    throw error
  }
}

/** Checks the failed run's message; returns when the kill landed (for the tally). */
async function checkKilled(runId: number): Promise<string> {
  const run = await wb.call('runs.get', { id: runId })
  expect(run.error).toMatch(/^the trainer process was killed \(SIGKILL\)/)
  const kept = /the last checkpoint \(iteration (\d+)\) is kept/.exec(run.error!)
  const latest = listCheckpoints(runDir(runId))[0]?.iteration ?? 0
  // The newest folder on disk may be newer than the last checkpoint the host heard of.
  expect(latest).toBeGreaterThanOrEqual(kept ? Number(kept[1]) : 0)
  if (run.backend === null) return 'before training'
  return latest === 0 ? 'before a checkpoint' : `after checkpoint ${latest}`
}

function tally(outcomes: string[]): string {
  const counts = new Map<string, number>()
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1)
  return [...counts].map(([o, n]) => `${o} ×${n}`).join(', ')
}
