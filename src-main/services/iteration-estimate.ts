import type { RunConfig } from '../api/contract'
import { forwardConvFlops, trainingConvFlops } from '../ml/conv-flops'
import type { BackendProbe } from '../domain/backends'

/**
 * Sustained convolution throughput a backend typically reaches on training steps, GFLOP/s.
 * onednn, wasm and cpu are measured on this project's 2-core reference machine
 * (bench/results/train.json, 2 threads, small to paper-sized models: onednn 40–190, wasm
 * 20–40); the native ones are conservative figures for libtensorflow on a CPU and a
 * mid-range CUDA GPU. Good to a factor of two: the estimate
 * tells a user whether a configuration takes minutes or days, before they start it.
 */
const TYPICAL_GFLOPS: Record<string, (threads: number) => number> = {
  'tensorflow-gpu': () => 2_000,
  tensorflow: (threads) => 40 * threads,
  onednn: (threads) => 45 * threads,
  wasm: (threads) => 10 * Math.min(threads, 8),
  cpu: () => 0.05,
}

export interface IterationEstimate {
  backend: string
  secondsPerIteration: number
  totalSeconds: number
  gflopPerIteration: number
}

/**
 * Seconds per training iteration of `config` on the backend `auto` would pick (or the one
 * asked for): convolution FLOPs of the forward and both gradients, twice with reverse input,
 * plus one forward pass per TMU source for the memory bank.
 */
export function estimateIteration(
  config: RunConfig,
  sources: RunConfig['model'][],
  backends: BackendProbe[],
  cores: number,
): IterationEstimate | null {
  const usable = backends.filter(
    (b) => b.ok && (config.backend === 'auto' || b.name === config.backend),
  )
  const backend = usable[0]?.name
  const rate = backend ? TYPICAL_GFLOPS[backend] : undefined
  if (!backend || !rate) return null
  const { model, train } = config
  const steps = train.inputFrames + train.outputFrames - 1
  const passes = train.reverseInput ? 2 : 1
  const flops =
    passes *
    (trainingConvFlops(model, train.batchSize, steps) +
      sources.reduce((sum, source) => sum + forwardConvFlops(source, train.batchSize, steps), 0))
  const secondsPerIteration = flops / 1e9 / rate(cores)
  return {
    backend,
    secondsPerIteration,
    totalSeconds: secondsPerIteration * train.iterations,
    gflopPerIteration: flops / 1e9,
  }
}
