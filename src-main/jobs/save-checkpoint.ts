import * as tf from '@tensorflow/tfjs'
import { mkdirSync } from 'node:fs'
import type { BatchCursor } from '../data/batcher'
import { checkpointFolderName, type Checkpoint } from '../ml/checkpoint/checkpoint-layout'
import { writeCheckpoint } from '../ml/checkpoint/checkpoint-write'
import { samplingEta } from '../ml/scheduled-sampling'
import type { Trainer } from '../ml/training'
import { estimateCheckpointBytes, formatBytes, freeBytes } from './disk-space'
import { modelKindOf } from './run-trainer'
import type { TrainJobSpec } from './trainer-protocol'
import { tensorMapFromList, tensorMapFromNamed } from '../ml/tensor-map'

/**
 * Writes a checkpoint of the trainer at its current iteration; `previousIteration` is the
 * run's newest checkpoint so far (0: none), named in messages as what is kept.
 */
export async function saveCheckpoint(
  trainer: Trainer,
  spec: TrainJobSpec,
  cursor: BatchCursor,
  backendName: string,
  previousIteration: number,
): Promise<string> {
  const weights = trainer.network.params.getWeights()
  const optimizer = await trainer.exportOptimizerWeights()
  try {
    const state = trainer.getState()
    return writeCheckpointGuarded(
      spec.runDir,
      {
        weights: await tensorMapFromNamed(weights),
        optimizer: await tensorMapFromList(optimizer),
        state: {
          formatVersion: 1,
          modelKind: modelKindOf(spec),
          iteration: state.iteration,
          eta: samplingEta(spec.train, state.iteration),
          rng: { ...state.rng },
          dataCursor: { ...cursor },
          config: { model: spec.model, train: spec.train },
          backend: backendName,
        },
      },
      previousIteration,
    )
  } finally {
    tf.dispose(Object.values(weights))
    tf.dispose(optimizer.map((o) => o.tensor))
  }
}

/**
 * `writeCheckpoint`, refusing up front when the disk lacks room for it and turning a disk
 * that fills up mid-write into the same kind of message. The folder write is all-or-nothing
 * either way, so the previous checkpoint stays the latest.
 */
export function writeCheckpointGuarded(
  runDir: string,
  checkpoint: Checkpoint,
  previousIteration: number,
): string {
  const name = checkpointFolderName(checkpoint.state.iteration)
  const kept =
    previousIteration > 0
      ? `the previous checkpoint (iteration ${previousIteration}) is kept`
      : 'no earlier checkpoint exists'
  const needed = estimateCheckpointBytes(checkpoint)
  mkdirSync(runDir, { recursive: true })
  const free = freeBytes(runDir)
  if (free < needed) {
    throw new Error(
      `not enough disk space for checkpoint ${name} in ${runDir}: it needs about ` +
        `${formatBytes(needed)} (${needed} bytes), ${formatBytes(free)} (${free} bytes) are free; ` +
        `${kept}. Free some space, then resume.`,
    )
  }
  try {
    return writeCheckpoint(runDir, checkpoint)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOSPC' && code !== 'EDQUOT') throw error
    throw new Error(
      `the disk filled up while writing checkpoint ${name} in ${runDir} (${code}); ${kept}. ` +
        'Free some space, then resume.',
      { cause: error },
    )
  }
}
