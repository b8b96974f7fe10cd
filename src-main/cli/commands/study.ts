import { Option, type Command } from 'commander'
import {
  BackendPreference,
  StudyScale,
  type RunProgress,
  type StudyArm,
  type StudyState,
} from '../../api/contract'
import type { Workbench } from '../../api/create-workbench'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { formatDuration, formatProgress } from '../progress-line'

export function registerStudy(program: Command) {
  const study = program.command('study').description('run a transfer study end to end')
  addWorkspaceOption(
    study
      .command('flying-digits')
      .description(
        'the paper protocol: 1-, 2-, 3-digit Flying Digits; sources on 1 and 2 digits; scratch, finetune and TMU on 3',
      )
      .option('--scale <scale>', 'tiny (minutes on a CPU), small, or paper (GPU)', 'tiny')
      .addOption(
        new Option(
          '--backend <name>',
          'compute backend of every run (auto: the fastest that loads)',
        )
          .choices(BackendPreference.options)
          .default('auto'),
      ),
  ).action(async (opts: WorkspaceOption & { scale: string; backend: BackendPreference }) => {
    const scale = StudyScale.parse(opts.scale)
    const { backend } = opts
    const started = Date.now()
    await withWorkbench(
      opts,
      async (workbench) => {
        const state = await follow(
          workbench,
          await workbench.call('studies.flyingDigits', { scale, backend }),
        )
        if (state.stage === 'failed') {
          out.error(`study failed: ${state.message}`)
          process.exitCode = 1
        }
        const results = await workbench.call('studies.results', {
          experimentId: state.experimentId,
        })
        out.line()
        printTable(
          'test MSE per frame (sum over pixels, lower is better)',
          results.arms,
          (a) => a.mse,
          1,
        )
        printTable('test SSIM per frame (higher is better)', results.arms, (a) => a.ssim, 3)
        out.line(`backend: ${results.arms.map((a) => `${a.name} ${a.backend ?? '—'}`).join(' · ')}`)
        out.line(
          `\nwall time ${formatDuration((Date.now() - started) / 1000)}; experiment ${state.experimentId}`,
        )
        // A script (CI included) must be able to tell a study that answered from one that
        // did not: every arm completed, with a finite score at every lead time.
        const unanswered = armsWithoutResults(results.arms)
        if (unanswered.length) {
          out.error(`no finite results for: ${unanswered.join(', ')}`)
          process.exitCode = 1
        }
      },
      { runJobs: true },
    )
  })
}

function follow(workbench: Workbench, initial: StudyState): Promise<StudyState> {
  out.line(`study ${initial.experimentId} (${initial.scale}): ${initial.message}`)
  const names = new Map<number, string>()
  const interactive = process.stdout.isTTY === true
  let lastLine = 0
  return new Promise((resolve) => {
    const unsubscribe = workbench.onEvent(async (event, payload) => {
      if (event === 'studies.changed') {
        const state = payload as StudyState
        if (state.experimentId !== initial.experimentId) return
        out.line(`${interactive ? '\n' : ''}${state.stage}: ${state.message}`)
        if (state.stage === 'done' || state.stage === 'failed') {
          unsubscribe()
          resolve(state)
        }
      } else if (event === 'runs.progress') {
        const p = payload as RunProgress
        if (!names.has(p.runId))
          names.set(p.runId, (await workbench.call('runs.get', { id: p.runId })).name)
        const line = `${names.get(p.runId)!.slice(0, 28).padEnd(28)} ${formatProgress(p)}`
        if (interactive) process.stdout.write(`\r${line}\x1b[K`)
        else if (Date.now() - lastLine > 15_000 || p.iteration === p.total) {
          lastLine = Date.now()
          out.line(line)
        }
      }
    })
  })
}

/** Names of the arms that did not complete or miss a finite MSE or SSIM at some lead time. */
export function armsWithoutResults(arms: readonly StudyArm[]): string[] {
  const finite = (values: (number | null)[]) =>
    values.length > 0 && values.every((v) => v !== null && Number.isFinite(v))
  return arms
    .filter((a) => a.status !== 'completed' || !finite(a.mse) || !finite(a.ssim))
    .map((a) => a.name)
}

function printTable(
  title: string,
  arms: StudyArm[],
  values: (a: StudyArm) => (number | null)[],
  digits: number,
) {
  const frames = Math.max(0, ...arms.map((a) => values(a).length))
  const width = Math.max(8, ...arms.map((a) => a.name.length + 2))
  out.line(title)
  out.line(
    'arm'.padEnd(width) +
      Array.from({ length: frames }, (_, j) => `t+${j + 1}`.padStart(8)).join('') +
      '    mean',
  )
  for (const a of arms) {
    const row = values(a)
    const mean = row.length ? row.reduce<number>((s, v) => s + (v ?? NaN), 0) / row.length : NaN
    out.line(
      a.name.padEnd(width) +
        row.map((v) => (v === null ? '—' : v.toFixed(digits)).padStart(8)).join('') +
        (Number.isFinite(mean) ? mean.toFixed(digits) : '—').padStart(8),
    )
  }
  out.line()
}
