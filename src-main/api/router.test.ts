import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createWorkbench, type Workbench } from './create-workbench'

const open: Workbench[] = []
function workbench(): Workbench {
  const wb = createWorkbench({
    workspace: mkdtempSync(join(tmpdir(), 'tmu-router-')),
    transport: 'in-process',
    builtinDataset: false,
    probeBackends: async () => [{ name: 'cpu', ok: true, detail: 'test' }],
  })
  open.push(wb)
  return wb
}
afterEach(async () => {
  for (const wb of open.splice(0)) await wb.close()
})

describe('router', () => {
  it('answers a malformed envelope with a typed error', async () => {
    const { id, reply } = await workbench().router.dispatch({ method: 42 })
    expect(id).toBeNull()
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(!reply.ok && reply.error.message).toMatch(/^malformed request: /)
  })

  it('names an unknown method', async () => {
    const { id, reply } = await workbench().router.dispatch({
      id: 'a',
      method: 'nope.do',
      input: {},
    })
    expect(id).toBe('a')
    expect(!reply.ok && reply.error).toMatchObject({
      code: 'invalid_input',
      message: 'unknown method "nope.do"',
    })
  })

  it('rejects wrong input types with the field path, and keeps serving', async () => {
    const wb = workbench()
    const bad = await wb.router.dispatch({
      id: 'b',
      method: 'experiments.create',
      input: { name: 7 },
    })
    expect(!bad.reply.ok && bad.reply.error.code).toBe('invalid_input')
    expect(!bad.reply.ok && bad.reply.error.message).toBe(
      'experiments.create: name: must be text; got 7',
    )
    const good = await wb.router.dispatch({
      id: 'c',
      method: 'experiments.create',
      input: { name: 'ok' },
    })
    expect(good.reply.ok).toBe(true)
  })

  it('says in words what each field needs, naming it, never in schema terms', async () => {
    const wb = workbench()
    const message = async (method: string, input: unknown) => {
      const { reply } = await wb.router.dispatch({ id: 'm', method, input })
      expect(!reply.ok && reply.error.code).toBe('invalid_input')
      return !reply.ok ? reply.error.message : ''
    }
    expect(await message('experiments.create', { name: '' })).toBe(
      'experiments.create: name: must not be empty',
    )
    expect(await message('experiments.create', {})).toBe(
      'experiments.create: name: is required: text',
    )
    expect(await message('datasets.generate', { name: 'd', canvasSize: 'big' })).toBe(
      'datasets.generate: canvasSize: must be a number; got "big"',
    )
    expect(await message('datasets.generate', { name: 'd', canvasSize: 16.5 })).toBe(
      'datasets.generate: canvasSize: must be a whole number; got 16.5',
    )
    expect(
      await message('runs.exportVideo', { runIds: [], clip: -1, heat: {}, zoom: 9, fps: 5 }),
    ).toBe(
      'runs.exportVideo: runIds: needs at least one item; clip: must be at least 0; ' +
        'heat.abs: is required: yes or no (true or false); ' +
        'heat.signed: is required: yes or no (true or false); zoom: must be at most 8',
    )
    expect(await message('datasets.preview', { path: '/x', format: 'avi' })).toBe(
      'datasets.preview: format: must be one of "npy", "predrnn-npz", "frame-folders", "video"',
    )
  })

  it('refuses a 100000 × 100000 resize in a sentence before reading any file', async () => {
    const { reply } = await workbench().router.dispatch({
      id: 'r',
      method: 'datasets.preview',
      input: { path: '/nowhere/clips.npy', options: { resize: { height: 100000, width: 100000 } } },
    })
    expect(!reply.ok && reply.error).toMatchObject({
      code: 'invalid_input',
      message: expect.stringContaining('resize.height: must be at most 4096'),
    })
    expect(!reply.ok && reply.error.message).toContain('resize.width: must be at most 4096')
  })

  it('turns a missing experiment into not_found', async () => {
    const { reply } = await workbench().router.dispatch({
      id: 'd',
      method: 'experiments.get',
      input: { id: 99 },
    })
    expect(!reply.ok && reply.error).toMatchObject({
      code: 'not_found',
      message: 'experiment 99 does not exist',
    })
  })

  it('creates, renames, tags, archives, deletes and restores an experiment', async () => {
    const wb = workbench()
    const seen: string[] = []
    wb.onEvent((event) => seen.push(event))
    const created = await wb.call('experiments.create', {
      name: ' Flying digits ',
      tags: ['mnist', 'mnist'],
    })
    expect(created).toMatchObject({
      name: 'Flying digits',
      tags: ['mnist'],
      archived: false,
      runCount: 0,
    })

    const renamed = await wb.call('experiments.update', {
      id: created.id,
      name: 'FD-3',
      tags: ['mnist', 'tmu'],
    })
    expect(renamed).toMatchObject({ name: 'FD-3', tags: ['mnist', 'tmu'] })

    await wb.call('experiments.update', { id: created.id, archived: true })
    expect(await wb.call('experiments.list', {})).toEqual([])
    expect(
      (await wb.call('experiments.list', { includeArchived: true })).map((e) => e.name),
    ).toEqual(['FD-3'])

    await wb.call('experiments.delete', { id: created.id })
    expect(await wb.call('experiments.list', { includeArchived: true })).toEqual([])
    await expect(wb.call('experiments.get', { id: created.id })).rejects.toMatchObject({
      code: 'not_found',
    })
    expect((await wb.call('experiments.restore', { id: created.id })).name).toBe('FD-3')
    expect(seen.filter((e) => e === 'experiments.changed')).toHaveLength(5)
  })

  it('reports the workspace in the doctor', async () => {
    const wb = workbench()
    const report = await wb.call('system.doctor', {})
    expect(report.workspace).toBe(wb.paths.root)
    expect(report.sqlite).toMatch(/^3\.\d+\.\d+$/)
    expect(report.backends).toEqual([{ name: 'cpu', ok: true, detail: 'test' }])
  })
})
