import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ModelConfig, TrainConfig } from '../domain/model'
import { listCheckpoints, loadLatestCheckpoint } from '../ml/checkpoint/checkpoint-latest'
import type { Checkpoint } from '../ml/checkpoint/checkpoint-layout'
import { readCheckpoint } from '../ml/checkpoint/checkpoint-read'
import { writeCheckpoint } from '../ml/checkpoint/checkpoint-write'
import { BEST_FILE, BestCheckpoint } from './checkpoint-retention'
import { describeExit, startTrainer } from './job-host'
import { writeCheckpointGuarded } from './save-checkpoint'
import { createTinyDataset, tinyJobSpec } from '../testing/train-fixtures'
import { mountTinyTmpfs, type TinyFileSystem } from '../testing/tiny-tmpfs'
import type { TrainerMessage, TrainJobSpec } from './trainer-protocol'

const mounts: TinyFileSystem[] = []
afterAll(() => mounts.forEach((m) => m.unmount()))

/** A tmpfs for this file, or the reason there is none (the test is then skipped). */
function tmpfs(bytes: number, inodes?: number): TinyFileSystem {
  const mounted = mountTinyTmpfs(bytes, inodes)
  if (typeof mounted === 'string') throw new Error(mounted)
  mounts.push(mounted)
  return mounted
}
const probe = mountTinyTmpfs(64 * 1024)
const noTmpfs = typeof probe === 'string' ? probe : (probe.unmount(), null)
/** Where a full-disk test cannot mount its small tmpfs, its title says why it is skipped. */
const needsTmpfs = (title: string) => (noTmpfs ? `${title} (skipped: ${noTmpfs})` : title)

async function train(spec: TrainJobSpec) {
  const messages: TrainerMessage[] = []
  const exit = await startTrainer(spec, (m) => messages.push(m)).exited
  return { exit, messages }
}

const dataset = createTinyDataset()

describe('trainer guards', () => {
  it('keeps the newest K checkpoints and the best by validation MSE', async () => {
    const spec = tinyJobSpec(dataset, {
      iterations: 7,
      checkpointEvery: 1,
      evalEvery: 2,
      keepCheckpoints: 2,
    })
    const { exit, messages } = await train(spec)
    expect(exit.last).toMatchObject({ type: 'finished', reason: 'completed' })

    const scores = messages.flatMap((m) =>
      m.type === 'evaluation' && m.split === 'val'
        ? [{ iteration: m.iteration, mse: m.summary.meanMse as number }]
        : [],
    )
    expect(scores.map((s) => s.iteration)).toEqual([2, 4, 6])
    const bestScore = scores.reduce((a, b) => (b.mse < a.mse ? b : a))
    const best = BestCheckpoint.parse(
      JSON.parse(readFileSync(join(spec.runDir, BEST_FILE), 'utf8')),
    )
    expect(best).toMatchObject({ iteration: bestScore.iteration, value: bestScore.mse })

    const kept = listCheckpoints(spec.runDir).map((c) => c.iteration)
    expect(kept).toEqual([...new Set([7, 6, bestScore.iteration])].sort((a, b) => b - a))
    const pruned = messages.flatMap((m) => (m.type === 'checkpoint' ? m.pruned : []))
    expect(pruned.length).toBe(7 - kept.length)
    expect(readdirSync(spec.runDir).filter((n) => n.startsWith('.'))).toEqual([])
  })

  it('stops on a non-finite loss with the message, keeping the last good checkpoint', async () => {
    const healthy = tinyJobSpec(dataset, { iterations: 2, checkpointEvery: 2, evalEvery: 100 })
    expect((await train(healthy)).exit.last).toMatchObject({ type: 'finished' })
    // A real cause, not a test hook: resuming with a learning rate no model survives.
    const { exit } = await train({
      ...healthy,
      resume: true,
      train: { ...healthy.train, iterations: 4, learningRate: 1e30 },
    })
    expect(exit.code).toBe(1)
    expect(describeExit(exit)).toMatch(
      /^training loss became (NaN|-?Infinity) at iteration 3 on cpu; stopped\. The last good checkpoint \(iteration 2\) is kept\. Try a lower learning rate \(it is 1e\+30\) or gradient clipping/,
    )
    const { latest, skipped } = loadLatestCheckpoint(healthy.runDir)
    expect(skipped).toEqual([])
    expect(latest?.iteration).toBe(2)
  })

  it('blames the backend, not the learning rate, when the first step is not finite', async () => {
    const healthy = tinyJobSpec(dataset, { iterations: 2, checkpointEvery: 2, evalEvery: 100 })
    expect((await train(healthy)).exit.last).toMatchObject({ type: 'finished' })
    // A real cause at iteration 1: starting weights so large the forward pass overflows, as a
    // faulty kernel's output would. The learning rate never gets to act.
    const source = readCheckpoint(listCheckpoints(healthy.runDir)[0]!.path)
    for (const tensor of Object.values(source.weights)) {
      tensor.data = (tensor.data as Float32Array).map((v) => (v === 0 ? 1e37 : v * 1e37))
    }
    const initFromRunDir = join(healthy.runDir, '..', 'overflowing-source')
    writeCheckpoint(initFromRunDir, source)
    /** The trainer's message on `backend`, less the loss value (NaN or ±Infinity). */
    const firstStep = async (backend: 'cpu' | 'wasm') => {
      const spec = tinyJobSpec(dataset, { iterations: 2, learningRate: 1e-3 })
      const { exit } = await train({ ...spec, kind: 'finetune', initFromRunDir, backend })
      expect(exit.code).toBe(1)
      return describeExit(exit).replace(/^training loss became (NaN|-?Infinity) /, '')
    }
    const head = (backend: string) =>
      `at iteration 1 on ${backend}; stopped. No checkpoint was written yet. At the first step ` +
      'the weights are still the starting ones, so a lower learning rate will not help: '
    expect(await firstStep('wasm')).toBe(
      head('wasm') +
        "the wasm backend's arithmetic is the likely cause. Restart the run on `cpu` " +
        '(the run page\'s "Restart on…", or `--backend cpu` with `tmu train` or `tmu study`).',
    )
    expect(await firstStep('cpu')).toBe(
      head('cpu') +
        "cpu is the reference backend, so look at the starting weights (a finetune's source).",
    )
  })

  it('says a SIGKILLed trainer was killed and which checkpoint is kept', async () => {
    const spec = tinyJobSpec(dataset, { iterations: 1000, checkpointEvery: 2, evalEvery: 1000 })
    const handle = startTrainer(spec, (m) => {
      if (m.type === 'checkpoint' && m.iteration === 2) handle.kill('SIGKILL')
    })
    const exit = await handle.exited
    expect(exit.signal).toBe('SIGKILL')
    expect(describeExit(exit)).toBe(
      'the trainer process was killed (SIGKILL), by a user or by the system when memory ran low; ' +
        'the last checkpoint (iteration 2) is kept: resume continues from it',
    )
    expect(loadLatestCheckpoint(spec.runDir).latest?.iteration).toBeGreaterThanOrEqual(2)
  })

  it.skipIf(noTmpfs)(
    needsTmpfs('refuses a checkpoint the disk has no room for, naming folder and bytes'),
    async () => {
      const disk = tmpfs(2 * 1024 * 1024)
      const spec = {
        ...tinyJobSpec(dataset, { iterations: 2, checkpointEvery: 2, evalEvery: 100 }),
      }
      spec.runDir = join(disk.dir, 'run-1')
      spec.testClips = 1
      expect((await train(spec)).exit.last).toMatchObject({ type: 'finished' })
      rmSync(join(spec.runDir, 'predictions'), { recursive: true })
      disk.fillLeaving(16 * 1024)

      const { exit } = await train({
        ...spec,
        resume: true,
        train: { ...spec.train, iterations: 4 },
      })
      expect(exit.code).toBe(1)
      expect(describeExit(exit)).toMatch(
        new RegExp(
          `^not enough disk space for checkpoint ckpt-000004 in ${spec.runDir}: it needs about ` +
            '[\\d.]+ KB \\(\\d+ bytes\\), [\\d.]+ KB \\(\\d+ bytes\\) are free; ' +
            'the previous checkpoint \\(iteration 2\\) is kept',
        ),
      )
      expect(loadLatestCheckpoint(spec.runDir).latest?.iteration).toBe(2)
    },
  )

  it.skipIf(noTmpfs)(
    needsTmpfs('fails a write on a full disk cleanly, leaving the previous checkpoint'),
    () => {
      const disk = tmpfs(1024 * 1024)
      const runDir = join(disk.dir, 'run-2')
      writeCheckpoint(runDir, tinyCheckpoint(2))
      disk.fillLeaving(0)
      expect(() => writeCheckpoint(runDir, tinyCheckpoint(4))).toThrow(/ENOSPC/)
      expect(readdirSync(runDir)).toEqual(['ckpt-000002'])
      expect(loadLatestCheckpoint(runDir)).toMatchObject({ latest: { iteration: 2 }, skipped: [] })
    },
  )

  it.skipIf(noTmpfs)(
    needsTmpfs('explains a disk that fills up mid-write (inodes exhausted)'),
    () => {
      // Plenty of bytes, so the free-space check passes, but only three more files fit: the
      // temporary folder and weights go in, the optimizer file hits ENOSPC.
      const disk = tmpfs(4 * 1024 * 1024, 64)
      const runDir = join(disk.dir, 'run-3')
      writeCheckpointGuarded(runDir, tinyCheckpoint(2), 0)
      const fillers = fillInodes(disk.dir)
      fillers.slice(0, 2).forEach((f) => rmSync(f))
      expect(() => writeCheckpointGuarded(runDir, tinyCheckpoint(4), 2)).toThrow(
        `the disk filled up while writing checkpoint ckpt-000004 in ${runDir} (ENOSPC); ` +
          'the previous checkpoint (iteration 2) is kept. Free some space, then resume.',
      )
      expect(readdirSync(runDir)).toEqual(['ckpt-000002'])
      expect(loadLatestCheckpoint(runDir)).toMatchObject({ latest: { iteration: 2 }, skipped: [] })
    },
  )
})

function tinyCheckpoint(iteration: number): Checkpoint {
  const w = new Float32Array(256).fill(iteration)
  return {
    weights: { 'conv_last.weight': { dtype: 'F32', shape: [1, 1, 16, 16], data: w } },
    optimizer: { 'conv_last.weight.m': { dtype: 'F32', shape: [1, 1, 16, 16], data: w } },
    state: {
      formatVersion: 1,
      modelKind: 'convlstm',
      iteration,
      eta: 1,
      rng: { state: 1 },
      dataCursor: { epoch: 0, position: 0 },
      config: { model: ModelConfig.parse({}), train: TrainConfig.parse({}) },
      backend: 'cpu',
    },
  }
}

/** Creates empty files until the file system has no inode left; returns their paths. */
function fillInodes(dir: string): string[] {
  const files: string[] = []
  for (;;) {
    const file = join(dir, `inode-${files.length}`)
    try {
      writeFileSync(file, '')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return files
      throw error
    }
    files.push(file)
    if (files.length > 10_000) throw new Error(`${dir}: no inode limit`)
  }
}
