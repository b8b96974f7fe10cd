import type { Run, RunProgress } from '../api/contract'
import type { Workbench } from '../api/create-workbench'
import { formatProgress } from './progress-line'
import { out } from './output'

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted'])

/**
 * Shows a run's progress until it ends and returns its final state. The first Ctrl-C asks
 * the trainer to stop after a checkpoint (resume continues from there); a second one quits
 * at once, and the orphaned trainer stops by itself at its next iteration.
 */
export async function followRun(workbench: Workbench, runId: number): Promise<Run> {
  const interactive = process.stdout.isTTY === true
  let lastLine = 0
  const show = (p: RunProgress) => {
    const line = formatProgress(p)
    if (interactive) process.stdout.write(`\r${line}\x1b[K`)
    else if (Date.now() - lastLine > 10_000 || p.iteration === p.total) {
      lastLine = Date.now()
      out.line(line)
    }
  }
  let interrupts = 0
  const onInterrupt = () => {
    interrupts += 1
    if (interrupts > 1) process.exit(130)
    out.line('\nstopping after a checkpoint… (Ctrl-C again to quit at once)')
    void workbench.call('runs.control', { id: runId, action: 'cancel' }).catch(() => {})
  }
  process.on('SIGINT', onInterrupt)
  try {
    return await new Promise<Run>((resolve) => {
      const check = async () => {
        const run = await workbench.call('runs.get', { id: runId })
        if (TERMINAL.has(run.status)) {
          unsubscribe()
          resolve(run)
        }
      }
      const unsubscribe = workbench.onEvent((event, payload) => {
        if (event === 'runs.progress' && (payload as RunProgress).runId === runId)
          show(payload as RunProgress)
        if (event === 'runs.log') {
          const log = payload as { runId: number; level: string; text: string }
          if (log.runId === runId && log.level !== 'info') out.line(`\n${log.level}: ${log.text}`)
        }
        if (event === 'runs.changed' && (payload as { id: number }).id === runId) void check()
      })
      void check()
    })
  } finally {
    process.off('SIGINT', onInterrupt)
    if (interactive) process.stdout.write('\n')
  }
}
