import * as tf from '@tensorflow/tfjs'

/**
 * Fused cell kernels are optional per backend: the cell asks whether the active backend has
 * one and otherwise runs the same arithmetic as tensor ops. Their gradients are registered
 * by name, once, the first time a fused kernel runs.
 */

export function hasFusedKernel(kernelName: string): boolean {
  return tf.getKernel(kernelName, tf.getBackend()) !== undefined
}

const registered = new Set<string>()

export function registerGradientOnce(config: tf.GradConfig): void {
  if (registered.has(config.kernelName)) return
  tf.registerGradient(config)
  registered.add(config.kernelName)
}
