import { fallbackBackends } from '../domain/backends'

/**
 * Adam's first steps move each weight by about the learning rate, whatever the gradient's
 * scale; at or below this rate a network one iteration in is still close to the weights it
 * started from, so a non-finite loss there is not the learning rate's doing.
 */
const FIRST_STEP_SAFE_LEARNING_RATE = 0.1

export interface NonFiniteLoss {
  loss: number
  /** The iteration whose loss was not finite, 1-based (1 = the run's first step). */
  iteration: number
  backend: string
  learningRate: number
  /** Iteration of the newest checkpoint this run wrote or resumed from; 0 = none yet. */
  lastCheckpoint: number
}

/**
 * Why training stopped, on which backend and at which iteration, and what to try: at the
 * first step of a run with a sane learning rate, the arithmetic (the backend) is the suspect;
 * later, the optimisation (learning rate, clipping) is.
 */
export function describeNonFiniteLoss(f: NonFiniteLoss): string {
  const kept =
    f.lastCheckpoint > 0
      ? `The last good checkpoint (iteration ${f.lastCheckpoint}) is kept.`
      : 'No checkpoint was written yet.'
  const head = `training loss became ${f.loss} at iteration ${f.iteration} on ${f.backend}; stopped. ${kept}`
  if (f.iteration === 1 && f.learningRate <= FIRST_STEP_SAFE_LEARNING_RATE) {
    const firstStep = `${head} At the first step the weights are still the starting ones, so a lower learning rate will not help`
    // tfjs's cpu kernels are the reference every other backend is tested against.
    if (f.backend === 'cpu') {
      return `${firstStep}: cpu is the reference backend, so look at the starting weights (a finetune's source).`
    }
    const others = fallbackBackends(f.backend)
    return (
      `${firstStep}: the ${f.backend} backend's arithmetic is the likely cause. ` +
      `Restart the run on ${others.map((b) => `\`${b}\``).join(' or ')} (the run page's ` +
      `"Restart on…", or \`--backend ${others[0]}\` with \`tmu train\` or \`tmu study\`).`
    )
  }
  return `${head} Try a lower learning rate (it is ${f.learningRate}) or gradient clipping (clipNorm).`
}
