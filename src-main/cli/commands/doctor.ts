import type { Command } from 'commander'
import { createWorkbench, defaultWorkspaceRoot } from '../../api/create-workbench'
import { out } from '../output'

export function registerDoctor(program: Command) {
  program
    .command('doctor')
    .description('report the machine, the workspace and which compute backends load (and why not)')
    .option('-w, --workspace <dir>', 'workspace folder', defaultWorkspaceRoot())
    .option('--json', 'print the report as JSON')
    .action(async (opts: { workspace: string; json?: boolean }) => {
      const workbench = createWorkbench({
        workspace: opts.workspace,
        transport: 'in-process',
        builtinDataset: false,
        runJobs: false,
      })
      try {
        const report = await workbench.call('system.doctor', {})
        if (opts.json) return out.json(report)
        out.line(`TMU Workbench ${report.version}`)
        out.line(`  Node        ${report.node} (${report.platform})`)
        out.line(`  Workspace   ${report.workspace}`)
        out.line(`  SQLite      ${report.sqlite}, schema v${report.schemaVersion}`)
        out.line('  Backends')
        for (const backend of report.backends) {
          out.line(`    ${backend.ok ? 'ok' : 'no'}  ${backend.name.padEnd(16)} ${backend.detail}`)
        }
        const { desktop } = report
        if (desktop) {
          const verdict = desktop.problems.length === 0 ? 'its native addons load' : 'cannot start:'
          out.line(`  Desktop     Electron ${desktop.electron}, ${verdict}`)
          for (const problem of desktop.problems) out.line(`    ${problem}`)
        }
      } finally {
        await workbench.close()
      }
    })
}
