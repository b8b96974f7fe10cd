import { existsSync, mkdtempSync, truncateSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { EventPayload } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { folderBytes } from '../util/folder-bytes'
import { openTestWorkbench, setUpTinyRuns, untilLog, untilStatus } from '../testing/test-workbench'

const open: Workbench[] = []
afterEach(async () => {
  for (const wb of open.splice(0)) await wb.close()
})

function workbench(root?: string, concurrency = 1): Workbench {
  const wb = openTestWorkbench(root, concurrency)
  open.push(wb)
  return wb
}

describe('jobs that survive', () => {
  it('keeps its queue in SQLite across a restart: order, reordering and cancels hold', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-queue-'))
    // Concurrency 0: a paused queue, so the workbench closes before anything starts.
    const paused = openTestWorkbench(root, 0)
    const { create } = await setUpTinyRuns(paused)
    const a = await create('a', { iterations: 2 })
    const b = await create('b', { iterations: 2 })
    const c = await create('c', { iterations: 2 })
    const queue = await paused.call('jobs.list', {})
    expect(queue.map((j) => [j.runName, j.state, j.position, j.pid])).toEqual([
      ['a', 'queued', 1, null],
      ['b', 'queued', 2, null],
      ['c', 'queued', 3, null],
    ])
    const reordered = await paused.call('jobs.reorder', {
      jobId: queue[2]!.id,
      beforeJobId: queue[0]!.id,
    })
    expect(reordered.map((j) => j.runName)).toEqual(['c', 'a', 'b'])
    await paused.call('runs.control', { id: b.id, action: 'cancel' })
    await expect(
      paused.call('jobs.reorder', { jobId: queue[1]!.id, beforeJobId: null }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: `job ${queue[1]!.id} is cancelled; only queued jobs move`,
    })
    await paused.close()

    const wb = workbench(root, 1)
    const resumed = await wb.call('jobs.list', {})
    expect(resumed.map((j) => [j.runName, j.state, j.position])).toEqual([
      ['c', 'running', null],
      ['a', 'queued', 1],
    ])
    expect(resumed[0]!.pid).toEqual(expect.any(Number))
    expect(await untilStatus(wb, a.id, ['completed', 'failed'])).toBe('completed')
    const [runA, runB, runC] = await Promise.all(
      [a, b, c].map((r) => wb.call('runs.get', { id: r.id })),
    )
    expect(runC!.status).toBe('completed')
    expect(runB!.status).toBe('cancelled')
    expect(runA!.startedAt! >= runC!.finishedAt!).toBe(true)
    expect(await wb.call('jobs.list', {})).toEqual([])

    // Workspace usage per run, and a deleted run takes its folder with it.
    const usage = await wb.call('runs.usage', {})
    const runDir = join(wb.paths.runs, String(a.id))
    expect(usage).toEqual([
      { runId: c.id, bytes: folderBytes(join(wb.paths.runs, String(c.id))) },
      { runId: b.id, bytes: 0 },
      { runId: a.id, bytes: folderBytes(runDir) },
    ])
    expect(usage[2]!.bytes).toBeGreaterThan(0)
    await wb.call('runs.delete', { id: a.id })
    expect(existsSync(runDir)).toBe(false)
    expect((await wb.call('runs.usage', {})).map((u) => u.runId)).toEqual([c.id, b.id])
  })

  it('fails a run whose trainer is SIGKILLed with the cause, then resumes it', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('killed', { iterations: 16, checkpointEvery: 2, evalEvery: 100 })
    await untilLog(wb, run.id, /^checkpoint at iteration 2\b/)
    const [job] = await wb.call('jobs.list', {})
    process.kill(job!.pid!, 'SIGKILL')
    expect(await untilStatus(wb, run.id, ['failed', 'completed'])).toBe('failed')
    const failed = await wb.call('runs.get', { id: run.id })
    expect(failed.error).toMatch(
      /^the trainer process was killed \(SIGKILL\), by a user or by the system when memory ran low; the last checkpoint \(iteration (\d+)\) is kept: resume continues from it$/,
    )
    const kept = Number(/iteration (\d+)/.exec(failed.error!)![1])

    const resumedAt = untilLog(wb, run.id, /^resumed at iteration/)
    await wb.call('runs.control', { id: run.id, action: 'resume' })
    expect(await resumedAt).toBe(`resumed at iteration ${kept}`)
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const metrics = await wb.call('runs.metrics', { id: run.id })
    expect(metrics['train/loss']?.map(([i]) => i)).toEqual(
      Array.from({ length: 16 }, (_, i) => i + 1),
    )
  })

  it('falls back past a truncated last checkpoint, saying so in the run log', async () => {
    const wb = workbench()
    const { create } = await setUpTinyRuns(wb)
    const run = await create('damaged', { iterations: 4, checkpointEvery: 2, evalEvery: 100 })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const weights = join(wb.paths.runs, String(run.id), 'ckpt-000004', 'weights.safetensors')
    truncateSync(weights, 100)

    const log: Array<EventPayload<'runs.log'>> = []
    wb.onEvent((event, payload) => {
      if (event === 'runs.log') log.push(payload as EventPayload<'runs.log'>)
    })
    await wb.call('runs.control', { id: run.id, action: 'restart' })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const warnings = log.filter((l) => l.level === 'warn').map((l) => l.text)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(
        `^skipped damaged checkpoint ckpt-000004: ${run.id}/ckpt-000004/weights.safetensors`,
      ),
    )
    expect(log.map((l) => l.text)).toContain('resumed at iteration 2')
  })
})
