import type { ActiveJob } from '../api/contract'

/**
 * What to ask before quitting, or null when nothing trains. Quitting stops trainers, each
 * writing a checkpoint first (Workbench.close), and they resume on the next launch; still,
 * nobody should lose a training run's momentum to a stray Cmd+Q.
 */
export function quitQuestion(
  jobs: readonly ActiveJob[],
): { message: string; detail: string } | null {
  const running = jobs.filter((job) => job.state === 'running')
  if (running.length === 0) return null
  const names = running.map((job) => job.runName).join(', ')
  return {
    message:
      running.length === 1
        ? `${names} is training. Quit anyway?`
        : `${running.length} runs are training (${names}). Quit anyway?`,
    detail:
      'Each trainer writes a checkpoint before it stops; the runs can resume from there when the workbench opens again.',
  }
}
