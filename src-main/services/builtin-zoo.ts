import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BuiltInZooManifest, WorkbenchError, type BuiltInZooModel } from '../api/contract'
import { importPytorchSafetensors } from '../ml/checkpoint/pytorch-interchange'
import type { TensorMap } from '../ml/checkpoint/tensors'

const MANIFEST = 'zoo.json'

/**
 * The folder of the zoo that ships with the workbench: `resources/zoo` at the project root,
 * reached from this module in the source tree (src-main/services) and from the bundle
 * (out/main, or a chunk folder below it; inside app.asar in the packaged app, whose fs reads
 * archives).
 */
export function defaultBuiltInZooDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [
    join(here, '..', '..', 'resources'),
    join(here, '..', '..', '..', 'resources'),
  ]
  const resources = candidates.find((dir) => existsSync(join(dir, 'icon.png'))) ?? candidates[0]!
  return join(resources, 'zoo')
}

/** The built-in zoo's manifest; a folder without one ships no models. */
export function readBuiltInZoo(dir: string): BuiltInZooModel[] {
  const path = join(dir, MANIFEST)
  if (!existsSync(path)) return []
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new WorkbenchError('internal', `${path} is not JSON: ${(error as Error).message}`)
  }
  const parsed = BuiltInZooManifest.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new WorkbenchError(
      'internal',
      `${path} is not a built-in zoo manifest: ${issue.path.join('.') || 'the file'}: ${issue.message}`,
    )
  }
  return parsed.data.models
}

/**
 * A built-in model's weights, in this workbench's layout. The checksum is checked first: a
 * damaged or replaced file is refused by name rather than imported as a different network.
 */
export function readBuiltInWeights(dir: string, model: BuiltInZooModel): TensorMap {
  const path = join(dir, model.file)
  if (!existsSync(path)) {
    throw new WorkbenchError('not_found', `${path} is missing: reinstall the workbench`)
  }
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex')
  if (sha256 !== model.sha256) {
    throw new WorkbenchError(
      'invalid_input',
      `${path} is damaged: its SHA-256 is ${sha256.slice(0, 12)}…, the manifest's ${model.sha256.slice(0, 12)}…; reinstall the workbench`,
    )
  }
  return importPytorchSafetensors(path).tensors
}
