// `npx tsx scripts/build-builtin-zoo.ts --workspace DIR [--study ID]`: writes the zoo that ships
// with the workbench, resources/zoo/, from a finished small Flying Digits study — each source's
// latest weights as safetensors (PyTorch layout, as `tmu export` writes them) and zoo.json, the
// manifest: its architecture, the recipe of the data it trained on and of the target data it
// fits, its training budget and machine, its test evaluation, and the file's SHA-256.
import { createHash } from 'node:crypto'
import { cpus } from 'node:os'
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BuiltInZooManifest, CELL_LABELS, type BuiltInZooModel } from '../src-main/api/contract'
import { createWorkbench } from '../src-main/api/create-workbench'
import { sourceLabel, studyDataset } from '../src-main/services/study-plans'
import { WORKBENCH_VERSION } from '../src-main/util/version'

const { values } = parseArgs({
  options: { workspace: { type: 'string' }, study: { type: 'string', default: '1' } },
})
if (!values.workspace) throw new Error('--workspace DIR: the workspace of a finished small study')
const outDir = join(import.meta.dirname, '..', 'resources', 'zoo')

const workbench = await createWorkbench({
  workspace: values.workspace,
  transport: 'in-process',
  builtinDataset: false,
  runJobs: false,
})
try {
  const results = await workbench.call('studies.results', { experimentId: Number(values.study) })
  const plan = results.plan
  if (plan?.scale !== 'small') throw new Error(`study ${values.study} is not a small-scale study`)
  const datasets = await workbench.call('datasets.list', {})
  const recipeOf = (datasetId: number) => {
    const name = datasets.find((d) => d.id === datasetId)?.name
    const recipe = [1, 2, 3].map((d) => studyDataset('small', d)).find((r) => r.name === name)
    if (!recipe) throw new Error(`dataset ${datasetId} is not one of the small study's sets`)
    return recipe
  }
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`
  mkdirSync(outDir, { recursive: true })
  for (const stale of readdirSync(outDir)) rmSync(join(outDir, stale))
  const models: BuiltInZooModel[] = []
  for (const [i, source] of plan.sources.entries()) {
    const studyRun = results.sources[i]
    if (!studyRun || studyRun.status !== 'completed')
      throw new Error(`source ${source.name} has not completed`)
    const run = await workbench.call('runs.get', { id: studyRun.runId })
    const test = await workbench.call('runs.evaluation', { id: run.id, split: 'test' })
    if (!test) throw new Error(`source ${source.name} has no test evaluation`)
    const exported = await workbench.call('runs.export', { id: run.id })
    const bytes = Buffer.from(exported.safetensorsBase64, 'base64')
    const file = `${source.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.safetensors`
    writeFileSync(join(outDir, file), bytes)
    const trainedOn = recipeOf(source.datasetId)
    const { model, train } = run.config
    models.push({
      name: `${sourceLabel(i)} (built-in)`,
      file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      model,
      description: `${CELL_LABELS[model.cell]}, hidden ${model.hidden.join(', ')}, on ${trainedOn.digitsPerClip}-digit Flying Digits, ${model.imageHeight}×${model.imageWidth}, ${train.inputFrames} → ${train.outputFrames}`,
      trainedOn,
      fitsTarget: recipeOf(plan.targetDatasetId),
      training: {
        study: `the small Flying Digits study (docs/results/small-study.md)`,
        iterations: exported.iteration,
        batchSize: train.batchSize,
        learningRate: train.learningRate,
        backend: run.backend ?? 'unknown',
        seconds: Math.round(run.trainedSeconds),
        machine,
        workbenchVersion: WORKBENCH_VERSION,
        trainedAt: run.finishedAt ?? '',
      },
      // Per-clip scores of the source's own test split help no one choosing a source.
      test: { ...test, perClip: [] },
    })
    console.log(
      `${file}: ${(bytes.length / 1024).toFixed(0)} KiB, test MSE ${test.meanMse?.toFixed(2)}`,
    )
  }
  const manifest = BuiltInZooManifest.parse({ formatVersion: 1, models })
  writeFileSync(join(outDir, 'zoo.json'), `${JSON.stringify(manifest, null, 1)}\n`)
  console.log(`wrote ${join(outDir, 'zoo.json')}: ${models.length} models`)
} finally {
  await workbench.close()
}
