import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiCallError, Input, Run, StudyResults, StudyRun } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { listCheckpoints } from '../ml/checkpoint/checkpoint-latest'
import { readCheckpoint } from '../ml/checkpoint/checkpoint-read'
import { microStudy } from '../testing/micro-study'
import { slurmUnavailable, startSlurmCluster, type SlurmCluster } from '../testing/slurm-cluster'
import {
  openTestWorkbench,
  setUpTinyRuns,
  untilLog,
  untilStatus,
  workbenchesPerTest,
} from '../testing/test-workbench'

const unavailable = slurmUnavailable()
const { workbench, track } = workbenchesPerTest()

let cluster: SlurmCluster
beforeAll(async () => {
  if (!unavailable) cluster = await startSlurmCluster()
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

/** Runs of this workspace go to the test cluster's default partition from now on. */
async function useSlurm(wb: Workbench, slurm: Record<string, unknown> = {}) {
  await wb.call('settings.update', {
    executor: 'slurm',
    slurm: { partition: cluster.partition, ...slurm },
  })
}

const finalWeights = (wb: Workbench, run: Run) =>
  readCheckpoint(listCheckpoints(join(wb.paths.runs, String(run.id)))[0]!.path).weights

const logText = async (wb: Workbench, id: number) =>
  (await wb.call('runs.logs', { id })).map((l) => l.text).join('\n')

/** What a run leaves in SQLite that does not depend on where or when it ran. */
async function results(wb: Workbench, id: number) {
  const run = await wb.call('runs.get', { id })
  // Inference speed is a clock reading of the machine that evaluated, not a result.
  const { inference: _runSpeed, ...test } = run.test ?? {}
  const evaluation = await wb.call('runs.evaluation', { id, split: 'test' })
  const { inference: _evaluationSpeed, ...scores } = evaluation ?? {}
  return {
    status: run.status,
    iteration: run.iteration,
    test,
    lastLoss: run.lastLoss,
    metrics: await wb.call('runs.metrics', { id }),
    evaluation: scores,
  }
}

describe.skipIf(unavailable)(
  `runs on a Slurm cluster${unavailable ? ` (${unavailable})` : ''}`,
  () => {
    it('trains a run through sbatch, with results in SQLite exactly as a local run', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      const train = { iterations: 6, checkpointEvery: 3, evalEvery: 3 }
      const here = await create('local', train)
      await useSlurm(wb)
      const there = await create('slurm', train)
      expect(await untilStatus(wb, here.id, ['completed', 'failed'])).toBe('completed')
      expect(await untilStatus(wb, there.id, ['completed', 'failed'])).toBe('completed')

      const run = await wb.call('runs.get', { id: there.id })
      expect(run).toMatchObject({
        executor: 'slurm',
        slurmJobId: expect.stringMatching(/^\d+$/),
        node: cluster.node,
        partition: cluster.partition,
      })
      expect((await wb.call('runs.get', { id: here.id })).executor).toBe('local')
      expect(await results(wb, there.id)).toEqual(await results(wb, here.id))
      expect(finalWeights(wb, run)).toEqual(finalWeights(wb, here))
      const log = await logText(wb, there.id)
      expect(log).toContain(`Slurm job ${run.slurmJobId} running on ${cluster.node}`)
      // A wait is said when it begins, not again at the first look at the job.
      const waits = log.split('\n').filter((line) => line.includes(' waits: '))
      expect(new Set(waits).size).toBe(waits.length)
      // The doctor's report from the node: which backends load there.
      expect(log).toMatch(
        new RegExp(`Slurm job ${run.slurmJobId} on ${cluster.node}: backends: .*cpu`),
      )
    }, 240_000)

    it('trains a study with its arms held on the source and seeds as job arrays, as locally', async () => {
      const here = workbench()
      const there = workbench()
      await useSlurm(there)
      const arms: Input<'studies.create'>['plan']['arms'] = [
        { name: 'scratch', kind: 'scratch' },
        { name: 'finetune', kind: 'finetune', sources: [0] },
        { name: 'TMU', kind: 'tmu', sources: [0] },
      ]
      const local = await microStudy(here, arms, 2)
      const slurm = await microStudy(there, arms, 2)

      // Everything is filed at once; Slurm holds the target arms until the source succeeded.
      const filed = byName(
        await there.call('runs.list', { experimentId: slurm.state.experimentId }),
      )
      const source = filed['source · FD-1 micro']!
      expect(source.slurmJobId).toMatch(/^\d+$/)
      for (const arm of ['scratch', 'finetune', 'TMU']) {
        const seeds = [1, 2].map((k) => filed[`${arm} · seed ${k}`]!)
        const [array] = seeds[0]!.slurmJobId!.split('_')
        expect(seeds.map((r) => r.slurmJobId)).toEqual([`${array}_0`, `${array}_1`])
        const jobs = seeds.map((r) => scontrolFields(r.slurmJobId!))
        expect(jobs.map((j) => [j.ArrayJobId, j.ArrayTaskId])).toEqual([
          [array, '0'],
          [array, '1'],
        ])
        const held = arm === 'scratch' ? '(null)' : `afterok:${source.slurmJobId}(unfulfilled)`
        expect(jobs.map((j) => j.Dependency)).toEqual([held, held])
      }

      expect(await slurm.done()).toMatchObject({ stage: 'done' })
      expect(await local.done()).toMatchObject({ stage: 'done' })
      const ran = byName(await there.call('runs.list', { experimentId: slurm.state.experimentId }))
      const ranHere = byName(
        await here.call('runs.list', { experimentId: local.state.experimentId }),
      )
      for (const [name, run] of Object.entries(ran)) {
        expect(run).toMatchObject({
          status: 'completed',
          executor: 'slurm',
          slurmJobId: filed[name]!.slurmJobId,
          node: cluster.node,
          partition: cluster.partition,
        })
        expect(await results(there, run.id)).toEqual(await results(here, ranHere[name]!.id))
      }
      const table = async (wb: Workbench, experimentId: number) =>
        resultTable(await wb.call('studies.results', { experimentId }))
      expect(await table(there, slurm.state.experimentId)).toEqual(
        await table(here, local.state.experimentId),
      )
    }, 420_000)

    it('cancels a job still queued in Slurm and one running, keeping its checkpoint', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      // Each asks for both CPUs of the one node: the second waits for the first.
      await useSlurm(wb, { cpusPerTask: 2 })
      const first = await create('first', { iterations: 400, checkpointEvery: 2, evalEvery: 200 })
      const second = await create('second', { iterations: 4 })
      await untilLog(wb, first.id, /^checkpoint at iteration/)
      expect(await logText(wb, second.id)).toMatch(/waits: (Resources|Priority)/)
      // The queue says the second is held in Slurm, and why; the first trains.
      const queue = await wb.call('jobs.list', {})
      expect(queue.find((j) => j.runId === second.id)).toMatchObject({
        state: 'running',
        waiting: expect.stringMatching(/^(Resources|Priority): \w/),
      })
      expect(queue.find((j) => j.runId === first.id)!.waiting).toBeNull()

      await wb.call('runs.control', { id: second.id, action: 'cancel' })
      expect(await untilStatus(wb, second.id, ['cancelled', 'failed'])).toBe('cancelled')
      await wb.call('runs.control', { id: first.id, action: 'cancel' })
      expect(await untilStatus(wb, first.id, ['cancelled', 'failed'])).toBe('cancelled')

      const [a, b] = await Promise.all(
        [first, second].map((r) => wb.call('runs.get', { id: r.id })),
      )
      expect(a!.iteration).toBeGreaterThan(0)
      expect(listCheckpoints(join(wb.paths.runs, String(a!.id)))[0]!.iteration).toBe(a!.iteration)
      expect(b!.iteration).toBe(0)
      expect(await wb.call('jobs.list', {})).toEqual([])
      // Slurm saw both go.
      for (const run of [a!, b!]) expect(jobState(run.slurmJobId!)).toBe('CANCELLED')
    }, 240_000)

    it('pauses and resumes a running Slurm job through its control file', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      await useSlurm(wb)
      const run = await create('paused', { iterations: 400, checkpointEvery: 2, evalEvery: 200 })
      await untilLog(wb, run.id, /^checkpoint at iteration/)
      await wb.call('runs.control', { id: run.id, action: 'pause' })
      expect((await wb.call('runs.get', { id: run.id })).status).toBe('paused')
      const held = await steadyIteration(wb, run.id)
      await wb.call('runs.control', { id: run.id, action: 'resume' })
      await untilProgressPast(wb, run.id, held)
      await wb.call('runs.control', { id: run.id, action: 'cancel' })
      expect(await untilStatus(wb, run.id, ['cancelled', 'failed'])).toBe('cancelled')
      expect((await wb.call('runs.get', { id: run.id })).iteration).toBeGreaterThan(held)
    }, 240_000)

    it('resumes a requeued job from its checkpoint to the same weights as one uninterrupted', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      await useSlurm(wb)
      const train = { iterations: 30, checkpointEvery: 5, evalEvery: 15 }
      const whole = await create('whole', train)
      const requeued = await create('requeued', train)
      await untilLog(wb, requeued.id, /^checkpoint at iteration/)
      const { slurmJobId } = await wb.call('runs.get', { id: requeued.id })
      const held = untilLog(wb, requeued.id, /waits: BeginTime/)
      const resumed = untilLog(wb, requeued.id, /^resumed at iteration [1-9]/)
      execFileSync('scontrol', ['requeue', slurmJobId!])
      await held
      // Slurm holds a requeued job back for two minutes; the test need not wait them out.
      execFileSync('scontrol', ['update', `JobId=${slurmJobId}`, 'StartTime=now'])
      await resumed
      expect(await untilStatus(wb, requeued.id, ['completed', 'failed'])).toBe('completed')
      expect(await untilStatus(wb, whole.id, ['completed', 'failed'])).toBe('completed')

      const run = await wb.call('runs.get', { id: requeued.id })
      expect(finalWeights(wb, run)).toEqual(finalWeights(wb, whole))
      expect(await results(wb, requeued.id)).toEqual(await results(wb, whole.id))
      const log = await logText(wb, requeued.id)
      expect(log).toContain(`Slurm job ${slurmJobId} was requeued`)
      expect(log).toContain(`Slurm job ${slurmJobId} on ${cluster.node} (attempt 2)`)
    }, 300_000)

    it('checkpoints at the time-limit warning and resumes from it when requeued', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      await useSlurm(wb)
      const run = await create('limited', {
        iterations: 100_000,
        checkpointEvery: 5,
        evalEvery: 50_000,
      })
      await untilLog(wb, run.id, /^checkpoint at iteration/)
      const { slurmJobId } = await wb.call('runs.get', { id: run.id })
      const held = untilLog(wb, run.id, /waits: BeginTime/)
      const resumed = untilLog(wb, run.id, /^resumed at iteration [1-9]/)
      // Three minutes: Slurm's warning (SIGTERM, 120 s before the limit) comes a minute in.
      execFileSync('scontrol', ['update', `JobId=${slurmJobId}`, 'TimeLimit=3'])
      await held
      // The requeued job would be warned again at once, and held two minutes first.
      execFileSync('scontrol', [
        'update',
        `JobId=${slurmJobId}`,
        'TimeLimit=UNLIMITED',
        'StartTime=now',
      ])
      const from = Number(/\d+/.exec(await resumed)![0])
      const log = await logText(wb, run.id)
      expect(log).toContain(`Slurm job ${slurmJobId} was requeued`)
      expect(log).toContain(`checkpoint at iteration ${from}`)
      expect(log).toContain(`Slurm job ${slurmJobId} on ${cluster.node} (attempt 2)`)
      await untilProgressPast(wb, run.id, from)
      await wb.call('runs.control', { id: run.id, action: 'cancel' })
      expect(await untilStatus(wb, run.id, ['cancelled', 'failed'])).toBe('cancelled')
      expect((await wb.call('runs.get', { id: run.id })).iteration).toBeGreaterThan(from)
    }, 240_000)

    it('fails a run whose trainer is SIGKILLed on the node, with Slurm’s word and the log', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      await useSlurm(wb)
      const run = await create('killed', { iterations: 400, checkpointEvery: 2, evalEvery: 200 })
      await untilLog(wb, run.id, /^checkpoint at iteration/)
      const dir = join(wb.paths.runs, String(run.id), 'jobs')
      const jobDir = join(dir, readdirSync(dir)[0]!)
      process.kill(trainerPid(jobDir), 'SIGKILL')
      expect(await untilStatus(wb, run.id, ['failed', 'completed'])).toBe('failed')
      const failed = await wb.call('runs.get', { id: run.id })
      expect(failed.error).toContain('was killed (SIGKILL)')
      expect(failed.error).toContain('the last checkpoint (iteration')
      expect(failed.error).toContain(`Slurm job ${failed.slurmJobId} ended FAILED`)
    }, 240_000)

    it('re-attaches to its Slurm jobs when the server restarts', async () => {
      const first = workbench()
      const root = first.paths.root
      const { create } = await setUpTinyRuns(first)
      await useSlurm(first)
      const run = await create('survivor', { iterations: 30, checkpointEvery: 5, evalEvery: 15 })
      await untilLog(first, run.id, /^checkpoint at iteration/)
      const { slurmJobId } = await first.call('runs.get', { id: run.id })
      await first.close()
      // The job goes on alone while no server follows it.
      expect(jobState(slurmJobId!)).toMatch(/RUNNING|COMPLETING|COMPLETED/)

      const again = track(openTestWorkbench(root))
      expect(await untilStatus(again, run.id, ['completed', 'failed'])).toBe('completed')
      const done = await again.call('runs.get', { id: run.id })
      expect(done).toMatchObject({ iteration: 30, slurmJobId, test: expect.anything() })
      expect(await logText(again, run.id)).toContain(`following Slurm job ${slurmJobId} again`)
      // Every iteration's loss was filed once: by the first server, or read on re-attach.
      const losses = (await again.call('runs.metrics', { id: run.id }))['train/loss']!
      expect(losses.map(([iteration]) => iteration)).toEqual(
        Array.from({ length: 30 }, (_, i) => i + 1),
      )
    }, 240_000)

    it('refuses settings Slurm would refuse, naming the field, with nothing written', async () => {
      const wb = workbench()
      const { create } = await setUpTinyRuns(wb)
      const before = await wb.call('settings.get', {})
      const refused = (slurm: Record<string, unknown>) =>
        wb.call('settings.update', { executor: 'slurm', slurm }).then(
          () => null,
          (error: ApiCallError) => error,
        )
      expect(await refused({ partition: 'no-such-partition' })).toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/Slurm settings \(partition\).*invalid partition/i),
      })
      expect(await refused({ timeLimit: '1:xx' })).toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/timeLimit.*not a Slurm time/),
      })
      expect(await wb.call('settings.get', {})).toEqual(before)

      // A partition that went away after it was set: the run is refused, and not filed.
      wb.db
        .prepare('INSERT OR REPLACE INTO settings (key, value_json) VALUES (?, ?)')
        .run('slurm', JSON.stringify({ partition: 'gone' }))
      wb.db
        .prepare('INSERT OR REPLACE INTO settings (key, value_json) VALUES (?, ?)')
        .run('executor', JSON.stringify('slurm'))
      const runsBefore = await wb.call('runs.list', {})
      await expect(create('refused')).rejects.toMatchObject({
        code: 'invalid_input',
        message: expect.stringMatching(/partition/),
      })
      expect(await wb.call('runs.list', {})).toEqual(runsBefore)
    }, 60_000)
  },
)

/** The run's iteration once it stopped moving: two reads 5 s apart agree (a paused trainer). */
async function steadyIteration(wb: Workbench, id: number): Promise<number> {
  const iteration = async () => (await wb.call('runs.get', { id })).iteration
  let before = await iteration()
  for (;;) {
    await new Promise((r) => setTimeout(r, 5_000))
    const now = await iteration()
    if (now === before) return now
    before = now
  }
}

function untilProgressPast(wb: Workbench, runId: number, iteration: number): Promise<void> {
  return new Promise((resolve) => {
    const stop = wb.onEvent((event, payload) => {
      const progress = payload as { runId: number; iteration: number }
      if (event === 'runs.progress' && progress.runId === runId && progress.iteration > iteration) {
        stop()
        resolve()
      }
    })
  })
}

const byName = (runs: Run[]) => Object.fromEntries(runs.map((r) => [r.name, r]))

/** A study's results less what says where and when its runs ran (ids, seconds). */
function resultTable(results: StudyResults) {
  const seed = ({ runId: _id, trainedSeconds: _s, ...rest }: StudyRun) => rest
  return {
    arms: results.arms.map(({ runId: _id, wallSeconds: _s, runs, ...arm }) => ({
      ...arm,
      runs: runs.map(seed),
    })),
    sources: results.sources.map(seed),
    comparisons: results.comparisons,
    testClips: results.testClips,
  }
}

/** `scontrol show job`'s fields of a job (a task of an array too), while Slurm knows it. */
function scontrolFields(slurmJobId: string): Record<string, string> {
  const out = execFileSync('scontrol', ['show', 'job', '-o', slurmJobId]).toString()
  return Object.fromEntries([...out.matchAll(/(\w+)=(\S*)/g)].map(([, k, v]) => [k!, v!]))
}

function jobState(slurmJobId: string): string {
  const out = execFileSync('scontrol', ['show', 'job', '-o', slurmJobId]).toString()
  return /JobState=(\S+)/.exec(out)![1]!
}

/** The trainer of a job folder (not its backend probe), among this machine's processes. */
function trainerPid(jobDir: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      const entryScript = args.some(
        (a) => a.endsWith('trainer-entry.ts') || a.endsWith('trainer.js'),
      )
      if (entryScript && args.includes(jobDir) && !args.includes('--probe')) return Number(entry)
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no trainer process for ${jobDir}`)
}
