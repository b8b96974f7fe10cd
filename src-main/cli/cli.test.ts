import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { ModelConfig, type Run } from '../api/contract'
import { encodeNpy, parseNpyHeader } from '../data/npy'
import { loadOneDnnAddon } from '../ml/backend/onednn-addon'
import { exportPytorchSafetensors } from '../ml/checkpoint/pytorch-interchange'
import { readSafetensors } from '../ml/checkpoint/safetensors-file'
import { checkDesktopAddons, projectRoot } from '../util/native-abi'
import { elementCount } from '../ml/checkpoint/tensors'
import { parameterShapes } from '../ml/parameter-shapes'

/** The `tmu` command as a user runs it (bin/tmu.js: the built CLI, or the sources via tsx). */
const TMU = join(import.meta.dirname, '../../bin/tmu.js')
const oneDnnBuilt = !('error' in loadOneDnnAddon())

async function tmu(...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [TMU, ...args], {
      timeout: 240_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

const workspace = () => mkdtempSync(join(tmpdir(), 'tmu-cli-'))

/** A 16×16 ConvLSTM 8×8, 3×3: small enough to train in seconds on the tiny dataset below. */
const TINY_MODEL = ModelConfig.parse({
  hidden: [8, 8],
  kernelSize: 3,
  imageHeight: 16,
  imageWidth: 16,
})
/** Arguments as typed, split on spaces (none of them holds one). */
const args = (line: string) => line.split(' ')
const TINY_RUN = '--hidden 8,8 --kernel 3 --input-frames 3 --output-frames 3'
/** Two iterations of batch 2, checkpointed, two test clips scored. */
const SHORT = '--iterations 2 --batch 2 --eval-every 2 --checkpoint-every 2 --test-clips 2'

/** A PyTorch-layout safetensors file of `model`'s weights and its config file, in `dir`. */
function writeSourceFiles(dir: string, model: ModelConfig) {
  const weights = Object.fromEntries(
    Object.entries(parameterShapes(model)).map(([name, shape]) => [
      name,
      { dtype: 'F32' as const, shape, data: new Float32Array(elementCount(shape)).fill(0.01) },
    ]),
  )
  const file = join(dir, 'model.safetensors')
  const config = join(dir, 'model.json')
  exportPytorchSafetensors(file, weights)
  writeFileSync(config, JSON.stringify(model))
  return { file, config }
}

describe('tmu', () => {
  it('doctor lists every backend, onednn among them, with why one does not load', async () => {
    const { code, stdout } = await tmu('doctor', '--workspace', workspace())
    expect(code).toBe(0)
    for (const name of ['tensorflow-gpu', 'webgpu', 'tensorflow', 'onednn', 'wasm', 'cpu']) {
      expect(stdout).toMatch(new RegExp(`^\\s+(ok|no)\\s+${name}\\s`, 'm'))
    }
    const onednnLine = oneDnnBuilt
      ? /^\s+ok\s+onednn\s+oneDNN \d+\.\d+\.\d+, other kernels wasm with \d+ threads?$/m
      : /^\s+no\s+onednn\s+.*apt-get install libdnnl-dev/m
    expect(stdout).toMatch(onednnLine)
    // The desktop app's addons against the installed Electron, as the launcher checks them.
    const desktop = checkDesktopAddons(projectRoot()!)
    expect(stdout).toContain(
      desktop.problems.length === 0
        ? `  Desktop     Electron ${desktop.electron?.version}, its native addons load`
        : `  Desktop     Electron ${desktop.electron?.version}, cannot start:\n    ${desktop.problems[0]}`,
    )
  })

  it('train refuses an unknown backend, listing the ones there are', async () => {
    const { code, stderr } = await tmu('train', '--backend', 'gpu')
    expect(code).not.toBe(0)
    expect(stderr).toMatch(
      /Allowed choices are auto, tensorflow-gpu, webgpu, tensorflow, onednn, wasm, cpu/,
    )
  })

  it('train runs on the fastest CPU backend and reports it', async () => {
    const backend = oneDnnBuilt ? 'onednn' : 'wasm'
    const { code, stdout, stderr } = await tmu(
      'train',
      '--workspace',
      workspace(),
      '--iterations',
      '2',
      '--batch',
      '2',
      '--eval-every',
      '2',
      '--checkpoint-every',
      '2',
      '--test-clips',
      '2',
    )
    expect(stderr).not.toMatch(/error/i)
    expect(code).toBe(0)
    expect(stdout).toMatch(new RegExp(`completed on ${backend}`))
    // What the model costs, and how fast its test clips were predicted there.
    expect(stdout).toMatch(
      new RegExp(
        `\\n[\\d.,]+ (M )?parameters · [\\d.]+ GFLOP per clip · [\\d.]+ m?s per test clip \\(\\d+ frames\\) on ${backend}\\n`,
      ),
    )
  }, 240_000)

  it('zoo import works from a bare process; a failing one exits 1 at once, naming the problem', async () => {
    const ws = workspace()
    const { file, config } = writeSourceFiles(ws, TINY_MODEL)
    const imported = await tmu(
      ...args(`zoo import ${file} --name tiny --config ${config}`),
      '-w',
      ws,
    )
    expect(imported.stderr).toBe('')
    expect(imported.stdout).toMatch(/^"tiny" is in the zoo \(run 1, convlstm 8×8\)$/m)
    expect(imported.code).toBe(0)

    const wider = join(ws, 'wider.json')
    writeFileSync(wider, JSON.stringify({ ...TINY_MODEL, hidden: [8, 16] }))
    const started = Date.now()
    const failed = await tmu('zoo', 'import', file, '--name', 'wide', '--config', wider, '-w', ws)
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(
      /model\.safetensors does not fit a convlstm 8×16: cell_list\.1\.conv\.0\.weight is \[3,3,16,32\], the model has \[3,3,24,64\]/,
    )
    // It used to hang after the error; the grace for open handles is 2 s.
    expect(Date.now() - started).toBeLessThan(20_000)
  }, 60_000)

  it('train --kind tmu trains a target from two sources, recording its options', async () => {
    const ws = workspace()
    const clips = args('--size 16 --digit-size 8 --frames 6 --train 8 --val 4 --test 4')
    expect((await tmu('data', 'generate', 'tiny', ...clips, '-w', ws)).code).toBe(0)
    const train = (line: string) => tmu('train', '-w', ws, '-d', 'tiny', ...args(line))
    const trained = await train(`--kind source -n a ${TINY_RUN} ${SHORT}`)
    expect(trained.stdout).toMatch(/run \d+ completed/)
    const sourceId = /run (\d+) completed/.exec(trained.stdout)![1]!
    // Its weights go out for PyTorch and come back in, config from the file's metadata.
    const exportedFile = join(ws, 'a.safetensors')
    const exported = await tmu('export', sourceId, '-o', exportedFile, '-w', ws)
    expect(exported.stdout).toMatch(/^wrote .*a\.safetensors \(iteration 2, PyTorch layout\)$/m)
    const exportedConfig = join(ws, 'a.json')
    writeFileSync(exportedConfig, readSafetensors(exportedFile).metadata['config']!)
    const reimported = await tmu(
      ...args(`zoo import ${exportedFile} --name a2 --config ${exportedConfig} -w ${ws}`),
    )
    expect(reimported.stderr).toBe('')
    expect(reimported.code).toBe(0)
    const { file, config } = writeSourceFiles(ws, TINY_MODEL)
    expect(
      (await tmu('zoo', 'import', file, '--name', 'b', '--config', config, '-w', ws)).code,
    ).toBe(0)

    const target = await train(
      `--kind tmu --sources ${sourceId},b -n t ${TINY_RUN} ${SHORT} ` +
        '--lambda 0.5 --gate softmax --rescale-memory --source-input truth --tmu-layers 1,2',
    )
    expect(target.stderr).not.toMatch(/error/i)
    expect(target.stdout).toMatch(/run \d+ completed on /)
    expect(target.code).toBe(0)
    const runs = JSON.parse((await tmu('runs', '--json', '-w', ws)).stdout) as Run[]
    const run = runs.find((r) => r.name === 't')!
    expect(run).toMatchObject({ kind: 'tmu', status: 'completed', iteration: 2 })
    expect(run.sourceRunIds).toEqual([Number(sourceId), runs.find((r) => r.name === 'b')!.id])
    expect(run.config.model.tmu).toEqual({
      sources: 2,
      layers: [1, 2],
      gate: 'softmax',
      rescaleMemory: true,
      // From random weights unless asked: the release's choice (docs/method.md).
      initFromSource: null,
      transferM: false,
    })
    expect(run.config.train).toMatchObject({
      distillWeight: 0.5,
      sourceInput: 'truth',
      reverseInput: false,
    })

    // The target predicts from a clip it never saw, three times its trained horizon, in
    // every output format.
    const clip = join(ws, 'clip.npy')
    const square = new Uint8Array(6 * 16 * 16)
    for (let t = 0; t < 6; t++) square.fill(255, (t * 16 + 6) * 16 + t, (t * 16 + 6) * 16 + t + 4)
    writeFileSync(clip, encodeNpy(square, [6, 16, 16]))
    for (const format of ['gif', 'png', 'npy', 'mp4']) {
      const out = join(ws, `predicted.${format}`)
      const predicted = await tmu(
        'predict',
        't',
        '--input',
        clip,
        '--horizon',
        '9',
        '-o',
        out,
        '-w',
        ws,
      )
      expect(predicted.stderr).toBe('')
      expect(predicted.stdout).toMatch(
        /from clip\.npy, 3 frames in, 9 predicted, t\+4… past the trained 3; truth for the first 3/,
      )
      const bytes = readFileSync(out)
      const magic = { gif: 'GIF89a', png: '\x89PNG', npy: '\x93NUMPY', mp4: 'ftyp' }[format]!
      expect(bytes.subarray(0, 12).toString('latin1')).toContain(magic)
    }
    expect(
      parseNpyHeader(readFileSync(join(ws, 'predicted.npy')).subarray(0, 128), 'predicted.npy')
        .shape,
    ).toEqual([9, 16, 16, 1])

    const wrong = await train(`--kind tmu --sources b,nope ${TINY_RUN}`)
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toMatch(/--sources: no zoo model or run id "nope"/)
    const narrow = await train('--kind tmu --sources b --hidden 4,8')
    expect(narrow.code).toBe(1)
    expect(narrow.stderr).toMatch(
      /source "b" has hidden \[8,8\] at layer 1, the target's TMU layer 1 has 4 channels/,
    )
  }, 240_000)
})
