import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BuiltInZooManifest, RunConfig } from '../api/contract'
import { createWorkbench } from '../api/create-workbench'
import { untilStatus, workbenchesPerTest } from '../testing/test-workbench'
import { defaultBuiltInZooDir } from './builtin-zoo'

const { track } = workbenchesPerTest()

/** A workbench whose shipped zoo is `dir` (default: the real resources/zoo). */
const open = (builtInZooDir = defaultBuiltInZooDir()) =>
  track(
    createWorkbench({
      workspace: mkdtempSync(join(tmpdir(), 'tmu-builtin-zoo-')),
      transport: 'in-process',
      probeBackends: async () => [],
      builtinDataset: false,
      builtInZooDir,
    }),
  )

/** A copy of the shipped zoo to damage. */
function copyOfZoo() {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-zoo-copy-'))
  cpSync(defaultBuiltInZooDir(), dir, { recursive: true })
  return dir
}

const manifest = () =>
  BuiltInZooManifest.parse(
    JSON.parse(readFileSync(join(defaultBuiltInZooDir(), 'zoo.json'), 'utf8')),
  )

describe('the built-in zoo', () => {
  it('files each shipped model as a completed source run with its provenance and test scores', async () => {
    const wb = open()
    const shipped = await wb.call('zoo.builtIn', {})
    expect(shipped.map((m) => m.runId)).toEqual(shipped.map(() => null))
    const [first] = manifest().models
    const member = await wb.call('zoo.addBuiltIn', { name: first!.name })
    expect(member.run).toMatchObject({ kind: 'source', status: 'completed', datasetId: null })
    expect(member.run.config.model).toEqual(first!.model)
    expect(member.run.iteration).toBe(first!.training.iterations)
    expect(member.run.test?.mse).toBeCloseTo(first!.test.meanMse!, 6)
    expect(member.run.notes).toContain(first!.sha256)
    expect(member.run.notes).toContain(first!.trainedOn.name)
    expect((await wb.call('zoo.builtIn', {}))[0]!.runId).toBe(member.run.id)
    await expect(wb.call('zoo.addBuiltIn', { name: first!.name })).rejects.toThrow(
      /has a model named/,
    )
  })

  it('lets a TMU target train on the default backend from the shipped sources alone', async () => {
    const wb = open()
    const [fd1, fd2] = await Promise.all(
      manifest().models.map((m) => wb.call('zoo.addBuiltIn', { name: m.name })),
    )
    const fits = manifest().models[0]!.fitsTarget
    // The target's recipe, cut down to a handful of clips: same size, channels and digits.
    const dataset = await wb.call('datasets.generate', {
      ...fits,
      clipLength: 10,
      trainClips: 4,
      valClips: 2,
      testClips: 2,
    })
    const source = manifest().models[0]!.model
    const run = await wb.call('runs.create', {
      name: 'TMU ← built-in zoo',
      kind: 'tmu',
      datasetId: dataset.id,
      sourceRunIds: [fd1!.run.id, fd2!.run.id],
      config: RunConfig.parse({
        model: { ...source, tmu: { sources: 2 } },
        train: {
          inputFrames: 5,
          outputFrames: 5,
          batchSize: 2,
          iterations: 3,
          evalEvery: 100,
          checkpointEvery: 100,
        },
        validationClips: 2,
      }),
    })
    expect(await untilStatus(wb, run.id, ['completed', 'failed'])).toBe('completed')
    const done = await wb.call('runs.get', { id: run.id })
    expect(done.iteration).toBe(3)
    expect(Number.isFinite(done.test?.mse)).toBe(true)
    expect(done.sourceRunIds).toEqual([fd1!.run.id, fd2!.run.id])
  })

  it('refuses a damaged weights file by name, and adds nothing', async () => {
    const dir = copyOfZoo()
    const [first] = manifest().models
    const weights = join(dir, first!.file)
    const bytes = readFileSync(weights)
    const last = bytes.length - 1
    bytes.writeUInt8(bytes.readUInt8(last) ^ 0xff, last)
    writeFileSync(weights, bytes)
    const wb = open(dir)
    await expect(wb.call('zoo.addBuiltIn', { name: first!.name })).rejects.toThrow(
      new RegExp(`${first!.file} is damaged`),
    )
    expect(await wb.call('zoo.list', {})).toEqual([])
    expect(await wb.call('runs.list', {})).toEqual([])
  })

  it('names the manifest and the field when the manifest is wrong', async () => {
    const dir = copyOfZoo()
    const broken = manifest()
    writeFileSync(
      join(dir, 'zoo.json'),
      JSON.stringify({ ...broken, models: [{ ...broken.models[0], sha256: 'abc' }] }),
    )
    await expect(open(dir).call('zoo.builtIn', {})).rejects.toThrow(
      /zoo\.json is not a built-in zoo manifest: models\.0\.sha256/,
    )
  })
})
