import type { Command } from 'commander'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'

export function registerRuns(program: Command) {
  addWorkspaceOption(
    program
      .command('runs')
      .description('list runs with their status, test metrics and disk usage')
      .option('--json'),
  ).action(async (opts: WorkspaceOption & { json?: boolean }) => {
    await withWorkbench(opts, async (workbench) => {
      const runs = await workbench.call('runs.list', {})
      const usage = new Map(
        (await workbench.call('runs.usage', {})).map((u) => [u.runId, u.bytes] as const),
      )
      if (opts.json) return out.json(runs.map((r) => ({ ...r, diskBytes: usage.get(r.id) ?? 0 })))
      out.line(
        ' id  name                             kind      status       iter  backend  test MSE  SSIM      disk',
      )
      for (const r of runs) {
        const disk = `${((usage.get(r.id) ?? 0) / 1e6).toFixed(1)} MB`
        // A diverged model's means are NaN (carried as null): say so rather than "not scored".
        const missing = r.test?.nonFiniteClips ? 'NaN' : '—'
        const mse = r.test?.mse?.toFixed(2) ?? missing
        const ssim = r.test?.ssim?.toFixed(4) ?? missing
        out.line(
          `${String(r.id).padStart(3)}  ${r.name.slice(0, 32).padEnd(32)} ${r.kind.padEnd(9)} ${r.status.padEnd(11)} ${String(r.iteration).padStart(6)}  ${(r.backend ?? '—').padEnd(7)} ${mse.padStart(8)}  ${ssim.padEnd(6)} ${disk.padStart(9)}`,
        )
      }
    })
  })
}
