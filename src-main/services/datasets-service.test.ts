import { mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { encodeNpyHeader } from '../data/npy'

const open: Workbench[] = []
afterEach(async () => {
  for (const wb of open.splice(0)) await wb.close()
})

function workbench(importRoot: string, builtinDataset = false): Workbench {
  const wb = createWorkbench({
    workspace: mkdtempSync(join(tmpdir(), 'tmu-datasets-')),
    transport: 'in-process',
    probeBackends: async () => [],
    builtinDataset,
    importRoots: [importRoot],
  })
  open.push(wb)
  return wb
}

/** A .npy of 10 clips × 4 frames × 8×8, uint8, laid out N×T×H×W; pixel = clip·10 + frame. */
function writeNpy(dir: string): string {
  const values = new Uint8Array(10 * 4 * 8 * 8)
  for (let n = 0; n < 10; n++)
    for (let t = 0; t < 4; t++) values.fill(n * 10 + t, (n * 4 + t) * 64, (n * 4 + t + 1) * 64)
  const file = join(dir, 'clips.npy')
  writeFileSync(file, Buffer.concat([encodeNpyHeader('uint8', [10, 4, 8, 8]), values]))
  return file
}

describe('datasets', () => {
  it('gives a new workspace the built-in Flying Digits set', async () => {
    const wb = workbench(tmpdir(), true)
    const [builtin] = await wb.call('datasets.list', {})
    expect(builtin).toMatchObject({
      name: 'Flying Digits · 2 digits',
      origin: 'builtin',
      shape: { T: 20, H: 64, W: 64, C: 1 },
      splits: { train: 1000, val: 100, test: 100 },
    })
  })

  it('previews and imports a .npy, then serves its clips', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-import-'))
    const file = writeNpy(root)
    const wb = workbench(root)
    const preview = await wb.call('datasets.preview', { path: file, options: { layout: 'NTHW' } })
    expect(preview).toMatchObject({
      format: 'npy',
      sequenceCount: 10,
      clipShape: { T: 4, H: 8, W: 8, C: 1 },
    })

    const dataset = await wb.call('datasets.import', {
      name: 'squares',
      path: file,
      options: { layout: 'NTHW', clipLength: 4, split: { kind: 'all', split: 'test' } },
    })
    expect(dataset).toMatchObject({
      origin: 'npy',
      clipCount: 10,
      splits: { train: 0, val: 0, test: 10 },
    })
    const clip = await wb.call('datasets.clip', { id: dataset.id, split: 'test', clip: 3 })
    const bytes = Buffer.from(clip.framesBase64, 'base64')
    expect(clip.shape).toEqual([4, 8, 8, 1])
    expect([bytes[0], bytes[64], bytes[192]]).toEqual([30, 31, 33])
  })

  it('refuses paths outside the import roots and names a broken file, keeping nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-import-'))
    const outside = writeNpy(mkdtempSync(join(tmpdir(), 'tmu-elsewhere-')))
    const wb = workbench(root)
    await expect(wb.call('datasets.preview', { path: outside })).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/outside the folders imports may read/),
    })
    const broken = join(root, 'broken.npy')
    writeFileSync(broken, Buffer.from('\x93NUMPY not really'))
    await expect(
      wb.call('datasets.import', { name: 'broken', path: broken }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: expect.stringMatching(/^broken\.npy: /),
    })
    expect(await wb.call('datasets.list', {})).toEqual([])
    expect(readdirSync(wb.paths.datasets)).toEqual([])
  })

  it('reads a folder once Settings allow it, and refuses a folder that is not one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-import-'))
    const elsewhere = mkdtempSync(join(tmpdir(), 'tmu-elsewhere-'))
    const outside = writeNpy(elsewhere)
    const wb = workbench(root)
    await expect(wb.call('datasets.preview', { path: outside })).rejects.toMatchObject({
      message: expect.stringContaining(
        `(${root}). Allow its folder under Settings → Import folders, or start tmu serve with --import-root <folder>.`,
      ),
    })
    await expect(
      wb.call('settings.update', { importRoots: [elsewhere, join(elsewhere, 'clips.npy')] }),
    ).rejects.toMatchObject({
      code: 'invalid_input',
      message: `import folder ${join(elsewhere, 'clips.npy')}: a file, not a folder`,
    })
    expect((await wb.call('settings.get', {})).importRoots).toEqual([])

    const settings = await wb.call('settings.update', { importRoots: [elsewhere, elsewhere] })
    expect(settings.importRoots).toEqual([elsewhere])
    expect((await wb.call('system.info', {})).fixedImportRoots).toEqual([root])
    // Changing another setting leaves the folders alone.
    await wb.call('settings.update', { resumeInterruptedRuns: false })
    expect(await wb.call('settings.get', {})).toMatchObject({ importRoots: [elsewhere] })
    const preview = await wb.call('datasets.preview', { path: outside })
    expect(preview).toMatchObject({ sequenceCount: 10, clipCount: 10 })

    await wb.call('settings.update', { importRoots: [] })
    await expect(wb.call('datasets.preview', { path: outside })).rejects.toMatchObject({
      message: expect.stringMatching(/outside the folders imports may read/),
    })
  })

  it('imports what the desktop picker granted, and only that, for the session', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tmu-import-'))
    const pickedFile = writeNpy(mkdtempSync(join(tmpdir(), 'tmu-picked-file-')))
    const pickedFolder = mkdtempSync(join(tmpdir(), 'tmu-picked-folder-'))
    const insideFolder = writeNpy(pickedFolder)
    const notPicked = join(mkdtempSync(join(tmpdir(), 'tmu-not-picked-')), 'clips.npy')
    writeFileSync(notPicked, readFileSync(pickedFile))
    const wb = workbench(root)
    await expect(wb.call('datasets.preview', { path: pickedFile })).rejects.toMatchObject({
      message: expect.stringMatching(/outside the folders imports may read/),
    })

    expect(wb.grantImport(pickedFile)).toBe(realpathSync(pickedFile))
    wb.grantImport(pickedFolder)
    const dataset = await wb.call('datasets.import', { name: 'picked', path: pickedFile })
    expect(dataset.splits.train + dataset.splits.val + dataset.splits.test).toBe(10)
    expect(await wb.call('datasets.preview', { path: insideFolder })).toMatchObject({
      sequenceCount: 10,
    })
    // A file picked grants that file, not its neighbours; nothing is kept in the settings.
    await expect(wb.call('datasets.preview', { path: notPicked })).rejects.toMatchObject({
      message: expect.stringMatching(/outside the folders imports may read/),
    })
    expect((await wb.call('settings.get', {})).importRoots).toEqual([])
    expect(() => wb.grantImport(join(pickedFolder, 'gone.npy'))).toThrow(
      `${join(pickedFolder, 'gone.npy')}: no such file or folder`,
    )
    // The router has no way to grant: a page in a browser cannot widen what serve mode reads.
    const { reply } = await wb.router.dispatch({ id: 'x', method: 'grantImport', input: {} })
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
  })

  it('generates Flying Digits deterministically and deletes a dataset no run uses', async () => {
    const wb = workbench(tmpdir())
    const options = {
      canvasSize: 32,
      digitSize: 16,
      clipLength: 4,
      trainClips: 4,
      valClips: 0,
      testClips: 2,
      seed: 5,
    }
    const a = await wb.call('datasets.generate', { name: 'a', ...options })
    const b = await wb.call('datasets.generate', { name: 'b', ...options })
    expect(a.contentSha256).toBe(b.contentSha256)
    await expect(wb.call('datasets.generate', { name: 'a', ...options })).rejects.toMatchObject({
      code: 'conflict',
    })
    await wb.call('datasets.delete', { id: a.id })
    expect((await wb.call('datasets.list', {})).map((d) => d.name)).toEqual(['b'])
    expect(readdirSync(wb.paths.datasets)).toHaveLength(1)
  })
})
