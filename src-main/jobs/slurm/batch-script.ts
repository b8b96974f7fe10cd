import { basename } from 'node:path'
import type { SlurmSettings } from '../../domain/cluster'
import type { JobFiles } from '../job-files'
import { EXIT_STOPPED_BY_SIGNAL, JOB_DIR_FLAG, PROBE_FLAG } from '../trainer-protocol'

/** Seconds before the time limit Slurm warns the job (SIGTERM) so it checkpoints in time. */
export const TIME_LIMIT_WARNING_S = 120

/** The sbatch options the settings ask for, as command-line options. */
export function sbatchOptions(settings: SlurmSettings): string[] {
  const options: string[] = []
  if (settings.partition) options.push(`--partition=${settings.partition}`)
  if (settings.account) options.push(`--account=${settings.account}`)
  if (settings.timeLimit) options.push(`--time=${settings.timeLimit}`)
  if (settings.gres) options.push(`--gres=${settings.gres}`)
  if (settings.cpusPerTask !== null) options.push(`--cpus-per-task=${settings.cpusPerTask}`)
  if (settings.memory) options.push(`--mem=${settings.memory}`)
  return [...options, ...settings.extraOptions]
}

export interface BatchScriptInput {
  /** The job folders it trains: one for a plain job, one per task of a job array. */
  tasks: JobFiles[]
  /** Slurm job ids it waits for (afterok): the jobs of the runs it trains on. */
  after: string[]
  jobName: string
  settings: SlurmSettings
  /** The Node (or Electron) binary, the trainer's entry and its flags, as on this host. */
  node: string
  trainer: string[]
  /** Folder the trainer starts in (where tsx resolves from a source checkout). */
  workDir: string
  /** Electron runs the trainer as plain Node. */
  electron: boolean
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * A job array's task k writes its log through `ARRAY/k`, a link to its own job folder (an
 * output pattern has %a, the task's index, but not the folder of task k's run).
 */
export const arrayLinksDir = (tasks: JobFiles[]) => `${tasks[0]!.dir}/array`

/**
 * The batch script of one run, or of a job array whose task k trains the run of `tasks[k]`
 * (the seeds of a study's arm). The node must see the workspace and the workbench at the
 * same paths as the login node (a shared file system). The job may be requeued (preemption,
 * a failed node); each attempt probes the node's backends, then trains from the run's newest
 * checkpoint. SIGTERM (the time-limit warning, preemption, scancel) reaches the trainer,
 * which checkpoints and exits with EXIT_STOPPED_BY_SIGNAL; unless the server asked it to
 * stop, the job then requeues itself to continue.
 */
export function batchScript(input: BatchScriptInput): string {
  const { tasks } = input
  const array = tasks.length > 1
  const header = [
    `--job-name=${input.jobName}`,
    array
      ? `--output=${arrayLinksDir(tasks)}/%a/slurm-%A_%a.out`
      : `--output=${tasks[0]!.dir}/slurm-%j.out`,
    ...(array ? [`--array=0-${tasks.length - 1}`] : []),
    ...(input.after.length ? [`--dependency=afterok:${input.after.join(':')}`] : []),
    '--open-mode=append',
    '--requeue',
    `--signal=B:TERM@${TIME_LIMIT_WARNING_S}`,
    `--chdir=${input.workDir}`,
    ...sbatchOptions(input.settings),
  ]
  const trainer = [input.node, ...input.trainer].map(quote).join(' ')
  const dirs = tasks.map((t) => quote(t.dir)).join(' ')
  return [
    '#!/bin/bash',
    ...header.map((option) => `#SBATCH ${option}`),
    '# Written by TMU Workbench: the trainer talks to the server through the files beside this.',
    ...(input.electron ? ['export ELECTRON_RUN_AS_NODE=1'] : []),
    ...(array ? [`dirs=(${dirs})`, 'dir=${dirs[$SLURM_ARRAY_TASK_ID]}'] : [`dir=${dirs}`]),
    'trainer=',
    // The batch shell gets Slurm's signal (B:); the trainer must hear it to checkpoint.
    `trap '[ -n "$trainer" ] && kill -TERM "$trainer" 2>/dev/null' TERM`,
    `${trainer} ${PROBE_FLAG} ${JOB_DIR_FLAG} "$dir" || echo 'tmu: the backend probe failed' >&2`,
    `${trainer} ${JOB_DIR_FLAG} "$dir" &`,
    'trainer=$!',
    'wait "$trainer"; rc=$?',
    // A trapped signal cuts the first wait short: wait again for the trainer's own exit.
    'if kill -0 "$trainer" 2>/dev/null; then wait "$trainer"; rc=$?; fi',
    `if [ "$rc" -eq ${EXIT_STOPPED_BY_SIGNAL} ] && ! grep -q '"stop":true' "$dir/${basename(tasks[0]!.control)}" 2>/dev/null; then`,
    '  scontrol requeue "$SLURM_JOB_ID" 2>/dev/null',
    'fi',
    'exit "$rc"',
    '',
  ].join('\n')
}
