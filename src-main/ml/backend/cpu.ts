import * as tf from '@tensorflow/tfjs'

/** The pure-JS backend: always loads, two orders of magnitude slower than wasm (compute-notes.md). */
export async function initCpuBackend(): Promise<void> {
  if (!(await tf.setBackend('cpu'))) throw new Error('cpu backend failed to initialise')
}
