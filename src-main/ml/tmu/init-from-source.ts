import * as tf from '@tensorflow/tfjs'
import { aCell, CELL_LABELS } from '../../domain/model'
import type { PredictiveNetwork } from '../network'

/**
 * The `init-from-source` ablation, docs/method.md §3.6: the TMU target starts from one source's
 * weights where the two networks share them, instead of from a random draw. Every target weight
 * the source also has, by name, is copied:
 *
 * - of the same shape (the backbone layers, the head) whole;
 * - a TMU layer's gate convolution (`conv.0.weight`, `conv.0.bias`, and `conv.1` when the source
 *   has layer norm) is wider, (4+M)·hidden against 4·hidden: its first 4·hidden channels are the
 *   same gates i, f, o, g in the same order and take the source's; the transfer gates s_m keep
 *   their random draw, as do the distillers, which the source has no counterpart of.
 *
 * Any other difference in shape means the source is not the target's backbone: refused, naming
 * the first few. Returns the names copied (wholly or in part).
 */
export function initTmuFromSource(target: PredictiveNetwork, source: PredictiveNetwork): string[] {
  // Other backbones share names (conv_x, conv_h, … of the PredRNN family) and even shapes,
  // but not what the weights mean: a Causal LSTM's conv_x is no start for an ST-LSTM's.
  if (source.config.cell !== target.config.cell) {
    throw new Error(
      `init from source: the source is ${aCell(source.config.cell)} network, the target a ${CELL_LABELS[target.config.cell]}; their weights do not correspond`,
    )
  }
  const problems: string[] = []
  const updates: tf.NamedTensorMap = {}
  const copied: string[] = []
  for (const { name, variable } of target.params.entries()) {
    const entry = source.params.entries().find((e) => e.name === name)
    if (!entry) continue
    const from = entry.variable
    if (tf.util.arraysEqual(from.shape, variable.shape)) {
      updates[name] = from
    } else if (widensLastAxis(from.shape, variable.shape)) {
      // The target's own draw for the channels past the source's (the transfer gates s_m).
      const begin = variable.shape.map((_, axis) =>
        axis === variable.rank - 1 ? from.shape.at(-1)! : 0,
      )
      const keep = tf.slice(
        variable,
        begin,
        variable.shape.map(() => -1),
      )
      updates[name] = tf.concat([from, keep], -1)
      keep.dispose()
    } else {
      problems.push(`${name} is [${from.shape}] in the source, [${variable.shape}] in the target`)
      continue
    }
    copied.push(name)
  }
  try {
    if (problems.length > 0) {
      const more = problems.length > 5 ? `; and ${problems.length - 5} more` : ''
      throw new Error(`init from source: ${problems.slice(0, 5).join('; ')}${more}`)
    }
    for (const name of copied) target.params.get(name).assign(updates[name]!)
    return copied
  } finally {
    // The widened ones are new tensors; the whole copies are the source's own variables.
    for (const name of copied)
      if (updates[name] !== source.params.get(name)) updates[name]!.dispose()
  }
}

/** Same shape but the last axis, which is narrower in the source. */
function widensLastAxis(source: readonly number[], target: readonly number[]): boolean {
  return (
    source.length === target.length &&
    source.slice(0, -1).every((d, i) => d === target[i]) &&
    source.at(-1)! < target.at(-1)!
  )
}
