import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelConfig } from '../api/contract'
import { createWorkbench, type Workbench } from '../api/create-workbench'
import { predictionFiles, predictionsDir, type PredictionsIndex } from '../jobs/prediction-files'
import { exportPytorchSafetensors, fromPytorchLayout } from '../ml/checkpoint/pytorch-interchange'
import { decodeSafetensors } from '../ml/checkpoint/safetensors-decode'
import { elementCount, type TensorMap } from '../ml/checkpoint/tensors'
import { parameterShapes } from '../ml/parameter-shapes'

const MODEL = ModelConfig.parse({ hidden: [4], kernelSize: 3, imageHeight: 8, imageWidth: 8 })

let wb: Workbench
afterEach(async () => wb?.close())

/** A source run made from a file, without training: what export and the artifacts read. */
async function importedRun() {
  const dir = mkdtempSync(join(tmpdir(), 'tmu-artifacts-'))
  wb = createWorkbench({
    workspace: join(dir, 'workspace'),
    transport: 'in-process',
    probeBackends: async () => [],
    builtinDataset: false,
    importRoots: [dir],
  })
  const weights: TensorMap = {}
  let fill = 0
  for (const [name, shape] of Object.entries(parameterShapes(MODEL))) {
    const data = Float32Array.from({ length: elementCount(shape) }, () => (fill += 0.001))
    weights[name] = { dtype: 'F32', shape, data }
  }
  const file = join(dir, 'source.safetensors')
  exportPytorchSafetensors(file, weights)
  const member = await wb.call('zoo.import', {
    name: 'src',
    path: file,
    model: MODEL,
    layout: 'pytorch',
  })
  return { run: member.run, weights }
}

describe('run artifacts', () => {
  it('exports the latest weights in PyTorch layout, its config in the metadata', async () => {
    const { run, weights } = await importedRun()
    const exported = await wb.call('runs.export', { id: run.id })
    expect(exported).toMatchObject({ fileName: 'src.safetensors', iteration: 0 })
    const file = decodeSafetensors(Buffer.from(exported.safetensorsBase64, 'base64'), 'export')
    expect(fromPytorchLayout(file.tensors)).toEqual(weights)
    expect(ModelConfig.parse(JSON.parse(file.metadata['config']!))).toEqual(MODEL)
    expect(file.metadata).toMatchObject({ format: 'pt', modelKind: 'convlstm', iteration: '0' })
  })

  it('reads saved predictions back, and names a file that is not what it should be', async () => {
    const { run } = await importedRun()
    await expect(wb.call('runs.prediction', { id: run.id, clip: 0 })).rejects.toThrow(
      'run "src" has no saved test predictions yet',
    )
    const dir = predictionsDir(join(wb.paths.runs, String(run.id)))
    const files = predictionFiles(dir, 'test')
    mkdirSync(dir, { recursive: true })
    const index: PredictionsIndex = {
      split: 'test',
      dtype: 'uint8',
      layout: 'NTHWC',
      shape: [2, 1, 2, 2, 1],
      clips: [3, 5],
      inputFrames: 2,
    }
    writeFileSync(files.index, JSON.stringify(index))
    writeFileSync(files.frames, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))
    expect(await wb.call('runs.prediction', { id: run.id, clip: 5 })).toEqual({
      shape: [1, 2, 2, 1],
      framesBase64: Buffer.from([5, 6, 7, 8]).toString('base64'),
      inputFrames: 2,
      clip: 5,
    })
    await expect(wb.call('runs.prediction', { id: run.id, clip: 4 })).rejects.toThrow(
      'run "src" predicted 2 test clips; not clip 4',
    )

    writeFileSync(files.index, JSON.stringify({ ...index, shape: [2, 1, 2, 2] }))
    await expect(wb.call('runs.prediction', { id: run.id, clip: 5 })).rejects.toThrow(
      `${files.index}: not a file this workbench wrote`,
    )
  })
})
