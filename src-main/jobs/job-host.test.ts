import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { describeExit, startTrainer } from './job-host'
import { createTinyDataset, tinyJobSpec } from '../testing/train-fixtures'
import type { TrainerMessage } from './trainer-protocol'

describe('a trainer process', () => {
  it('trains, checkpoints, evaluates and saves predictions, reporting each step', async () => {
    const spec = tinyJobSpec(createTinyDataset())
    const messages: TrainerMessage[] = []
    const trainer = startTrainer(spec, (m) => messages.push(m))
    const exit = await trainer.exited
    expect(exit).toMatchObject({
      code: 0,
      last: { type: 'finished', reason: 'completed', iteration: 6 },
    })

    const started = messages.find((m) => m.type === 'started')
    expect(started).toMatchObject({ backend: 'cpu', iteration: 0 })
    expect(
      messages
        .filter((m) => m.type === 'checkpoint')
        .map((m) => m.type === 'checkpoint' && m.iteration),
    ).toEqual([3, 6])
    const evaluations = messages.flatMap((m) =>
      m.type === 'evaluation' ? [`${m.split}@${m.iteration}`] : [],
    )
    expect(evaluations).toEqual(['val@3', 'test@6'])
    const rows = messages.flatMap((m) => (m.type === 'metrics' ? m.rows : []))
    expect(rows.filter((r) => r.name === 'train/loss').map((r) => r.iteration)).toEqual([
      1, 2, 3, 4, 5, 6,
    ])
    expect(rows.find((r) => r.name === 'test/mse')?.value).toBeGreaterThan(0)

    const index = JSON.parse(readFileSync(join(spec.runDir, 'predictions', 'test.json'), 'utf8'))
    expect(index.shape).toEqual([4, 3, 16, 16, 1])
    expect(readFileSync(join(spec.runDir, 'predictions', 'test.u8')).byteLength).toBe(
      4 * 3 * 16 * 16,
    )
    expect(existsSync(join(spec.runDir, 'ckpt-000006', 'weights.safetensors'))).toBe(true)
  })

  it('stops on request after writing a checkpoint, and resumes to the same losses', async () => {
    const dataset = createTinyDataset()
    const straight = tinyJobSpec(dataset, { iterations: 8, checkpointEvery: 100, evalEvery: 100 })
    const straightRows: TrainerMessage[] = []
    await startTrainer(straight, (m) => straightRows.push(m)).exited
    const lossesOf = (ms: TrainerMessage[]) =>
      ms.flatMap((m) => (m.type === 'metrics' ? m.rows : [])).filter((r) => r.name === 'train/loss')

    const interrupted = {
      ...tinyJobSpec(dataset, { iterations: 8, checkpointEvery: 100, evalEvery: 100 }),
    }
    const first: TrainerMessage[] = []
    const handle = startTrainer(interrupted, (m) => {
      first.push(m)
      if (m.type === 'progress' && m.iteration >= 3) handle.stop()
    })
    const exit = await handle.exited
    expect(exit.last).toMatchObject({ type: 'finished', reason: 'stopped' })
    const stoppedAt = exit.last?.type === 'finished' ? exit.last.iteration : -1
    expect(stoppedAt).toBeGreaterThanOrEqual(3)
    expect(stoppedAt).toBeLessThan(8)

    const second: TrainerMessage[] = []
    const resumed = await startTrainer({ ...interrupted, resume: true }, (m) => second.push(m))
      .exited
    expect(resumed.last).toEqual({ type: 'finished', reason: 'completed', iteration: 8 })
    expect(second.find((m) => m.type === 'started')).toMatchObject({ iteration: stoppedAt })
    expect([...lossesOf(first), ...lossesOf(second)]).toEqual(lossesOf(straightRows))
  })

  it('fails with the cause when the dataset does not fit the model', async () => {
    const spec = tinyJobSpec(createTinyDataset(), { inputFrames: 5, outputFrames: 5 })
    const exit = await startTrainer(spec, () => {}).exited
    expect(exit.code).toBe(1)
    expect(exit.last).toMatchObject({ type: 'failed' })
    expect(exit.last?.type === 'failed' && exit.last.message).toMatch(
      /clips have 6 frames, the run needs 5 \+ 5/,
    )
  })
})

describe('describeExit', () => {
  const exit = { code: null, signal: null, last: null, stderrTail: '', lastCheckpoint: 0 }

  it('names a crash, an out-of-memory death and what is left to resume from', () => {
    expect(describeExit({ ...exit, signal: 'SIGSEGV' })).toBe(
      'the trainer process crashed (SIGSEGV); it had written no checkpoint yet: resume starts over',
    )
    const oom = 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'
    expect(
      describeExit({ ...exit, signal: 'SIGABRT', stderrTail: `${oom}\n`, lastCheckpoint: 4 }),
    ).toBe(
      `the trainer process ran out of memory (${oom}); ` +
        'the last checkpoint (iteration 4) is kept: resume continues from it',
    )
  })
})
