import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { InvalidArgumentError, Option, type Command } from 'commander'
import {
  BackendPreference,
  CellKind,
  isRecurrentCell,
  RECURRENT_CELLS,
  StudyAblation,
  StudyScale,
  type RunProgress,
  type StudyArm,
  type StudyResults,
  type StudyState,
} from '../../api/contract'
import type { Workbench } from '../../api/create-workbench'
import { addExecutorOptions, saveExecutorOptions, type ExecutorOptions } from '../executor-options'
import { addWorkspaceOption, withWorkbench, type WorkspaceOption } from '../open-workbench'
import { out } from '../output'
import { formatDuration, formatProgress } from '../progress-line'
import { printStudyResults } from '../study-table'

const seedsOption = () =>
  new Option('--seeds <n>', 'trainings per arm, each seeded on its own').argParser((v) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`expected a whole number ≥ 1, got "${v}"`)
    return n
  })

const ablationOption = () =>
  new Option(
    '--ablation <name...>',
    `TMU variants to add as arms: ${StudyAblation.options.join(', ')}, or all`,
  ).argParser((value: string, previous: StudyAblation[] = []) => {
    if (value === 'all') return [...StudyAblation.options]
    const parsed = StudyAblation.safeParse(value)
    if (!parsed.success)
      throw new InvalidArgumentError(
        `"${value}" is none of ${StudyAblation.options.join(', ')}, all`,
      )
    return [...previous, parsed.data]
  })

/** The study's experiment id, as `tmu study` printed it and `tmu runs` lists it. */
function studyId(value: string): number {
  const id = Number(value)
  if (!Number.isInteger(id) || id < 1)
    throw new Error(`STUDY: expected a study's experiment id, got "${value}"`)
  return id
}

/** `--source-cells a,b`: two backbones, or an error naming what is wrong. */
function sourceCellsOf(value: string): CellKind[] {
  const cells = value.split(',').map((c) => c.trim())
  if (cells.length !== 2) {
    throw new InvalidArgumentError(
      `two backbones, one per source, e.g. predrnnpp,mim; got "${value}"`,
    )
  }
  return cells.map((cell) => {
    const parsed = CellKind.safeParse(cell)
    if (!parsed.success || !isRecurrentCell(parsed.data)) {
      throw new InvalidArgumentError(`"${cell}" is not one of ${RECURRENT_CELLS.join(', ')}`)
    }
    return parsed.data
  })
}

export function registerStudy(program: Command) {
  const study = program.command('study').description('run a transfer study end to end')
  addWorkspaceOption(
    addExecutorOptions(study.command('flying-digits'))
      .description(
        'the paper protocol: 1-, 2-, 3-digit Flying Digits; sources on 1 and 2 digits; scratch, finetune and TMU on 3',
      )
      .option(
        '--scale <scale>',
        'tiny (minutes on a CPU), small (about 100 min on 2 cores with all ablations), or paper (GPU)',
        'tiny',
      )
      .addOption(seedsOption().default(undefined, '2 at tiny, else 3'))
      .addOption(ablationOption())
      .option('--sources-per-seed', 'train the zoo once per seed instead of once')
      .option(
        '--source-cells <a,b>',
        `backbones of the 1- and 2-digit sources, e.g. predrnnpp,mim (a zoo of architectures); one of ${RECURRENT_CELLS.join(', ')} each (default: the scale's, convlstm)`,
        sourceCellsOf,
      )
      .addOption(
        new Option(
          '--target-cell <cell>',
          "backbone of the scratch and TMU arms on 3 digits (default: the scale's, convlstm)",
        ).choices(RECURRENT_CELLS),
      )
      .addOption(
        new Option(
          '--backend <name>',
          'compute backend of every run (auto: the fastest that loads)',
        )
          .choices(BackendPreference.options)
          .default('auto'),
      ),
  ).action(
    async (
      opts: WorkspaceOption &
        ExecutorOptions & {
          scale: string
          backend: BackendPreference
          seeds?: number
          ablation?: StudyAblation[]
          sourcesPerSeed?: boolean
          sourceCells?: CellKind[]
          targetCell?: CellKind
        },
    ) => {
      const scale = StudyScale.parse(opts.scale)
      // Checked (with Slurm too) before the study files anything.
      await saveExecutorOptions(opts.workspace, opts)
      await withWorkbench(
        opts,
        (workbench) =>
          followToResults(
            workbench,
            workbench.call('studies.flyingDigits', {
              scale,
              backend: opts.backend,
              seeds: opts.seeds,
              ablations: opts.ablation ?? [],
              sourcesPerSeed: opts.sourcesPerSeed ?? false,
              sourceCells: opts.sourceCells,
              targetCell: opts.targetCell,
            }),
          ),
        { runJobs: true },
      )
    },
  )

  addWorkspaceOption(
    study
      .command('resume')
      .argument('<study>', "the study's experiment id")
      .description('go on with a study that stopped: train only the runs it still lacks'),
  ).action(async (ref: string, opts: WorkspaceOption) => {
    await withWorkbench(
      opts,
      (workbench) =>
        followToResults(
          workbench,
          workbench.call('studies.resume', { experimentId: studyId(ref) }),
        ),
      { runJobs: true },
    )
  })

  addWorkspaceOption(
    study
      .command('extend')
      .argument('<study>', "the study's experiment id")
      .description('add seeds or TMU variants to a study; only the missing runs train')
      .addOption(seedsOption())
      .addOption(ablationOption()),
  ).action(
    async (ref: string, opts: WorkspaceOption & { seeds?: number; ablation?: StudyAblation[] }) => {
      await withWorkbench(
        opts,
        (workbench) =>
          followToResults(
            workbench,
            workbench.call('studies.extend', {
              experimentId: studyId(ref),
              seeds: opts.seeds,
              ablations: opts.ablation ?? [],
            }),
          ),
        { runJobs: true },
      )
    },
  )

  addWorkspaceOption(
    study
      .command('show')
      .argument('<study>', "the study's experiment id")
      .description('print a study’s tables and verdicts as they stand')
      .option('--json', 'print the results as JSON'),
  ).action(async (ref: string, opts: WorkspaceOption & { json?: boolean }) => {
    await withWorkbench(opts, async (workbench) => {
      const results = await workbench.call('studies.results', { experimentId: studyId(ref) })
      if (opts.json) out.json(results)
      else printStudyResults(results)
    })
  })

  addWorkspaceOption(
    study
      .command('report')
      .argument('<study>', "the study's experiment id")
      .description(
        'write the study’s report: HTML, Markdown, figures as SVG and PNG, sample clips, raw numbers as CSV and JSON',
      )
      .requiredOption('--out <dir>', 'folder to write into (created if missing)'),
  ).action(async (ref: string, opts: WorkspaceOption & { out: string }) => {
    await withWorkbench(opts, async (workbench) => {
      const report = await workbench.call('studies.report', { experimentId: studyId(ref) })
      const dir = resolve(opts.out)
      mkdirSync(dir, { recursive: true })
      const files: [string, string][] = [
        [`${report.stem}.html`, report.html],
        [`${report.stem}.md`, report.markdown],
        [`${report.stem}.csv`, report.csv],
        [`${report.stem}.json`, report.json],
        ...report.figures.map((f) => [f.name, f.svg] as [string, string]),
      ]
      for (const [name, text] of files) writeFileSync(join(dir, name), text)
      for (const image of report.images) {
        writeFileSync(join(dir, image.name), Buffer.from(image.pngBase64, 'base64'))
      }
      const names = [...files.map(([name]) => name), ...report.images.map((i) => i.name)]
      out.line(`wrote ${names.join(', ')} to ${dir}`)
    })
  })
}

/** Follows a study to its end, prints its tables and sets the exit code a script reads. */
async function followToResults(workbench: Workbench, started: Promise<StudyState>) {
  const begun = Date.now()
  const state = await follow(workbench, await started)
  if (state.stage === 'failed') {
    out.error(`study failed: ${state.message}`)
    process.exitCode = 1
  }
  const results: StudyResults = await workbench.call('studies.results', {
    experimentId: state.experimentId,
  })
  out.line()
  printStudyResults(results)
  out.line(
    `\nwall time ${formatDuration((Date.now() - begun) / 1000)}; study ${state.experimentId}`,
  )
  // A script (CI included) must be able to tell a study that answered from one that did
  // not: every arm completed, with a finite score at every lead time.
  const unanswered = armsWithoutResults(results.arms)
  if (unanswered.length) {
    out.error(`no finite results for: ${unanswered.join(', ')}`)
    process.exitCode = 1
  }
}

function follow(workbench: Workbench, initial: StudyState): Promise<StudyState> {
  out.line(
    `study ${initial.experimentId}${initial.scale ? ` (${initial.scale})` : ''}: ${initial.message}`,
  )
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
    // A study with nothing left to train may have ended before this listened: ask once.
    void workbench.call('studies.state', { experimentId: initial.experimentId }).then((state) => {
      if (state && (state.stage === 'done' || state.stage === 'failed')) {
        unsubscribe()
        resolve(state)
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
