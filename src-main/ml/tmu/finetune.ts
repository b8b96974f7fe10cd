import * as tf from '@tensorflow/tfjs'
import type { ParamStore } from '../params'

/**
 * The finetuning baseline, docs/method.md §3.6: a plain network (the target's backbone, no TMU)
 * starts from one source's weights and trains all of them on the target. Every parameter must
 * exist in both with the same shape, or the copy is refused naming the first few misfits.
 */
export function initFromSource(targetParams: ParamStore, sourceWeights: tf.NamedTensorMap): void {
  const problems: string[] = []
  const targetNames = new Set<string>()
  for (const { name, variable } of targetParams.entries()) {
    targetNames.add(name)
    const weight = sourceWeights[name]
    if (!weight) problems.push(`the source has no ${name}`)
    else if (!tf.util.arraysEqual(weight.shape, variable.shape)) {
      problems.push(`${name} is [${weight.shape}] in the source, [${variable.shape}] in the target`)
    }
  }
  for (const name of Object.keys(sourceWeights)) {
    if (!targetNames.has(name)) problems.push(`the target has no ${name}`)
  }
  if (problems.length > 0) {
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
    throw new Error(`finetune: ${problems.slice(0, 5).join('; ')}${more}`)
  }
  targetParams.setWeights(sourceWeights)
}
