import { z } from 'zod'
import {
  aCell,
  CELL_LABELS,
  STUDY_SCALES,
  StudyPlan,
  StudyScale,
  StudyStage,
  WorkbenchError,
  type Dataset,
  type EvaluationSummary,
  type ParsedInput,
  type Run,
  type StudyArmPlan,
  type StudyComparison,
  type StudyReport,
  type StudyResults,
  type StudyState,
} from '../api/contract'
import { deriveSeed } from '../ml/random'
import { cpus, platform, release, totalmem } from 'node:os'
import type { StudyRecords } from '../store/study-records'
import { createLogger } from '../util/logger'
import type { DatasetsService } from './datasets-service'
import type { Emit } from './events'
import type { ExperimentsService } from './experiments-service'
import type { RunsService } from './runs-service'
import {
  ablationArm,
  armConfig,
  mainArms,
  sourceLabel,
  tmuArmProblems,
  modelOnBackbone,
  studyDataset,
} from './study-plans'
import { createRunArtifactsService } from './run-artifacts-service'
import { armIntrospection, sampleStrip, type StudyMediaDeps } from './study-media'
import { renderStudyReport, type ReportSetup } from './study-report'
import { compareArms, hashName, studyRun, summarizeArm, type ArmRuns } from './study-results'
import type { ZooService } from './zoo-service'

const log = createLogger('studies')

const POLL_MS = 1_000
const ENDED = new Set(['completed', 'failed', 'cancelled', 'interrupted'])

/** What the workspace keeps of a study (store/study-records.ts), validated on read. */
const StudyRecord = z.object({
  plan: StudyPlan,
  stage: StudyStage,
  message: z.string(),
  /** Which run trains which member (`source:i` or `arm:name`) at which seed index. */
  runs: z.array(z.object({ member: z.string(), seed: z.number().int(), runId: z.number().int() })),
})
type StudyRecord = z.infer<typeof StudyRecord>

export interface StudiesDeps {
  datasets: DatasetsService
  experiments: ExperimentsService
  runs: RunsService
  zoo: ZooService
  records: StudyRecords
  emit: Emit
}

const sourceMember = (index: number) => `source:${index}`
const armMember = (arm: StudyArmPlan) => `arm:${arm.name}`

/**
 * The seed of an arm's k-th training: a hash of the arm's name, so arms are seeded
 * independently (two arms of the same configuration are two samples, not one twice) and
 * adding an arm or a seed never changes another's.
 */
const seedOf = (member: string, k: number) => deriveSeed(hashName(member), k) % 2_147_483_647

export function createStudiesService(deps: StudiesDeps) {
  /** Stages of studies without a record (filed before plans were kept), in memory only. */
  const legacyStates = new Map<number, StudyState>()
  /** Studies whose pipeline is going, and those asked to go again once it ends. */
  const driving = new Set<number>()
  const again = new Set<number>()
  let closed = false

  function record(experimentId: number): StudyRecord | null {
    const raw = deps.records.read(experimentId)
    if (raw === null) return null
    const parsed = StudyRecord.safeParse(raw)
    if (!parsed.success) {
      throw new WorkbenchError(
        'internal',
        `${deps.records.path(experimentId)}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
      )
    }
    return parsed.data
  }

  const stateOf = (experimentId: number, r: StudyRecord): StudyState => ({
    experimentId,
    scale: r.plan.scale,
    stage: r.stage,
    message: r.message,
  })

  function report(experimentId: number, stage: StudyState['stage'], message: string) {
    const r = record(experimentId)
    let state: StudyState
    if (r) {
      deps.records.write(experimentId, { ...r, stage, message })
      state = stateOf(experimentId, { ...r, stage, message })
    } else {
      const scale = legacyStates.get(experimentId)?.scale ?? scaleTag(experimentId)
      state = { experimentId, scale, stage, message }
      legacyStates.set(experimentId, state)
    }
    deps.emit('studies.changed', state)
    log.info(message, { experimentId, stage })
  }

  function scaleTag(experimentId: number) {
    const { tags } = deps.experiments.get(experimentId)
    return StudyScale.options.find((s) => tags.includes(s)) ?? null
  }

  function dataset(scale: StudyScale, digits: number): Dataset {
    const recipe = studyDataset(scale, digits)
    return (
      deps.datasets.list().find((d) => d.name === recipe.name) ?? deps.datasets.generate(recipe)
    )
  }

  /** The run of (member, seed) if the record has one that still exists. */
  function existingRun(r: StudyRecord, member: string, seed: number): Run | null {
    const entry = r.runs.find((e) => e.member === member && e.seed === seed)
    if (!entry) return null
    try {
      return deps.runs.get(entry.runId)
    } catch {
      return null // deleted since: trained again as missing
    }
  }

  /**
   * The runs of a member's first `count` seeds: the ones recorded, and the missing ones filed
   * and recorded. Seeds that train on the same sources are filed as one group, so that they
   * start together: one job array on Slurm.
   */
  function ensureSeeds(
    experimentId: number,
    member: string,
    count: number,
    inputOf: (seed: number) => ParsedInput<'runs.create'>,
  ): Run[] {
    const r = record(experimentId)!
    const found = Array.from({ length: count }, (_, k) => existingRun(r, member, k))
    const missing = found.flatMap((run, k) => (run ? [] : [k]))
    const bySources = new Map<string, number[]>()
    for (const k of missing) {
      const key = inputOf(k).sourceRunIds.join(',')
      bySources.set(key, [...(bySources.get(key) ?? []), k])
    }
    for (const seeds of bySources.values()) {
      const filed = deps.runs.createGroup(seeds.map(inputOf))
      seeds.forEach((k, i) => (found[k] = filed[i]!))
      const latest = record(experimentId)!
      deps.records.write(experimentId, {
        ...latest,
        runs: [
          ...latest.runs.filter((e) => !(e.member === member && seeds.includes(e.seed))),
          ...seeds.map((seed, i) => ({ member, seed, runId: filed[i]!.id })),
        ],
      })
    }
    return found as Run[]
  }

  /** Queues again the runs a stopped workbench left interrupted (from their last checkpoint). */
  function resumeInterrupted(runs: Run[]) {
    for (const { id } of runs) {
      if (deps.runs.get(id).status === 'interrupted') deps.runs.control({ id, action: 'resume' })
    }
  }

  /** Resolves once every run has ended; throws naming the first that did not complete. */
  async function settle(runs: Run[]): Promise<void> {
    for (;;) {
      if (closed) throw new Error('the workbench closed before the study finished')
      const now = runs.map(({ id }) => deps.runs.get(id))
      if (now.every((r) => ENDED.has(r.status))) {
        const bad = now.find((r) => r.status !== 'completed')
        if (bad)
          throw new Error(`run "${bad.name}" ${bad.status}${bad.error ? `: ${bad.error}` : ''}`)
        return
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    }
  }

  /**
   * One pass of the pipeline: files what the plan lacks, trains it, waits for every run. The
   * arms are filed with the sources: each waits in the job queue (on Slurm, held by Slurm:
   * afterok) until the runs it trains on completed.
   */
  async function pass(experimentId: number) {
    const { plan } = record(experimentId)!
    const sourceSeeds = plan.sourcesPerSeed ? plan.seeds : 1
    if (plan.sources.length) {
      report(
        experimentId,
        'sources',
        `training the zoo: ${plan.sources.map((s) => s.name).join(', ')}`,
      )
    }
    const sourceRuns = plan.sources.map((source, i) =>
      ensureSeeds(experimentId, sourceMember(i), sourceSeeds, (k) => ({
        experimentId,
        name: `source · ${source.name}${sourceSeeds > 1 ? ` · seed ${k + 1}` : ''}`,
        kind: 'source',
        datasetId: source.datasetId,
        config: {
          ...plan.config,
          model: modelOnBackbone(plan.config.model, source.cell ?? plan.config.model.cell),
          train: { ...plan.config.train, seed: seedOf(sourceMember(i), k) },
        },
        sourceRunIds: [],
        start: true,
      })),
    )
    // Arms are filed on sources still training only once those are going again.
    resumeInterrupted(sourceRuns.flat())
    const armRuns = plan.arms.flatMap((arm) =>
      ensureSeeds(experimentId, armMember(arm), plan.seeds, (k) => ({
        experimentId,
        name: `${arm.name} · seed ${k + 1}`,
        kind: arm.kind,
        datasetId: plan.targetDatasetId,
        config: armConfig(plan, arm, seedOf(armMember(arm), k)),
        sourceRunIds: arm.sources.map((i) => sourceRuns[i]![plan.sourcesPerSeed ? k : 0]!.id),
        start: true,
      })),
    )
    resumeInterrupted(armRuns)

    if (plan.sources.length) {
      await settle(sourceRuns.flat())
      const inZoo = new Set(deps.zoo.list().map((m) => m.run.id))
      plan.sources.forEach((source, i) =>
        sourceRuns[i]!.forEach((run, k) => {
          if (inZoo.has(run.id)) return
          const seed = sourceSeeds > 1 ? `, seed ${k + 1}` : ''
          deps.zoo.add({ runId: run.id, name: `${source.name} (study ${experimentId}${seed})` })
        }),
      )
    }
    const names = plan.arms.map((a) => a.name)
    report(
      experimentId,
      'arms',
      `training ${plan.seeds} seed${plan.seeds > 1 ? 's' : ''} of ${names.join(', ')}`,
    )
    await settle(armRuns)
    report(experimentId, 'done', `all ${armRuns.length} arm runs evaluated on the same test clips`)
  }

  /** Runs the pipeline of a study until it has nothing left to file; one at a time per study. */
  async function drive(experimentId: number) {
    again.add(experimentId)
    if (driving.has(experimentId)) return
    driving.add(experimentId)
    try {
      while (again.delete(experimentId)) await pass(experimentId)
    } catch (error) {
      if (!closed) report(experimentId, 'failed', (error as Error).message)
    } finally {
      driving.delete(experimentId)
    }
  }

  /** A study filed before plans were kept: waits for its target runs, as it did then. */
  async function awaitLegacy(experimentId: number) {
    if (driving.has(experimentId)) return
    driving.add(experimentId)
    try {
      const arms = deps.runs.list(experimentId).filter((r) => r.kind !== 'source')
      resumeInterrupted(arms)
      await settle(arms)
      report(experimentId, 'done', 'all arms evaluated on the same test clips')
    } catch (error) {
      if (!closed) report(experimentId, 'failed', (error as Error).message)
    } finally {
      driving.delete(experimentId)
    }
  }

  function studyExperiment(experimentId: number) {
    const experiment = deps.experiments.get(experimentId)
    if (!experiment.tags.includes('study')) {
      throw new WorkbenchError('invalid_input', `experiment "${experiment.name}" is not a study`)
    }
    return experiment
  }

  function validate(plan: StudyPlan) {
    const names = new Set<string>()
    for (const arm of plan.arms) {
      if (names.has(arm.name))
        throw new WorkbenchError('invalid_input', `plan.arms: two arms are named "${arm.name}"`)
      names.add(arm.name)
      const missing = arm.sources.find((i) => i >= plan.sources.length)
      if (missing !== undefined)
        throw new WorkbenchError(
          'invalid_input',
          `plan.arms "${arm.name}": source ${missing} is not in plan.sources (${plan.sources.length} listed)`,
        )
      if (arm.kind !== 'scratch' && arm.sources.length === 0)
        throw new WorkbenchError(
          'invalid_input',
          `plan.arms "${arm.name}": a ${arm.kind} arm needs a source`,
        )
      if (arm.kind === 'finetune' && arm.sources.length !== 1)
        throw new WorkbenchError(
          'invalid_input',
          `plan.arms "${arm.name}": a finetune starts from one source`,
        )
    }
    const incompatible = tmuArmProblems(plan)
    if (incompatible.length) throw new WorkbenchError('invalid_input', incompatible.join('; '))
    for (const id of [plan.targetDatasetId, ...plan.sources.map((s) => s.datasetId)])
      deps.datasets.get(id)
  }

  function create({ name, description, plan }: ParsedInput<'studies.create'>): StudyState {
    validate(plan)
    const experiment = deps.experiments.create({
      name,
      description,
      tags: ['study', ...(plan.scale ? ['flying-digits', plan.scale] : [])],
    })
    const message = 'filed; training starts'
    deps.records.write(experiment.id, {
      plan,
      stage: 'sources',
      message,
      runs: [],
    } satisfies StudyRecord)
    const state = stateOf(experiment.id, record(experiment.id)!)
    deps.emit('studies.changed', state)
    void drive(experiment.id)
    return state
  }

  function state(experimentId: number): StudyState | undefined {
    const r = record(experimentId)
    return r ? stateOf(experimentId, r) : legacyStates.get(experimentId)
  }

  /** The arms of a study as the statistics see them, from its record or (legacy) its runs. */
  function armRuns(experimentId: number): { arms: ArmRuns[]; sources: ArmRuns['seeds'] } {
    const runs = deps.runs.list(experimentId).sort((a, b) => a.id - b.id)
    const withScores = (run: Run, seed: number) => ({
      run,
      seed,
      evaluation: deps.runs.evaluation(run.id, 'test'),
    })
    const r = record(experimentId)
    if (!r) {
      return {
        arms: runs
          .filter((run) => run.kind !== 'source')
          .map((run) => ({
            plan: { name: run.name, kind: run.kind, ablationOf: null },
            seeds: [withScores(run, 0)],
          })),
        sources: runs.filter((run) => run.kind === 'source').map((run) => withScores(run, 0)),
      }
    }
    const seedsOf = (member: string) =>
      r.runs
        .filter((e) => e.member === member)
        .sort((a, b) => a.seed - b.seed)
        .flatMap((e) => {
          const run = runs.find((x) => x.id === e.runId)
          return run ? [withScores(run, e.seed)] : []
        })
    return {
      arms: r.plan.arms
        .map((plan) => ({ plan, seeds: seedsOf(armMember(plan)) }))
        .filter((arm) => arm.seeds.length > 0),
      sources: r.plan.sources.flatMap((_, i) => seedsOf(sourceMember(i))),
    }
  }

  /**
   * The paired comparisons change only when a seed is scored, and cost seconds at the small
   * scale (2 000 resamples of 200 clips, 14 pairs): kept per study until its scores change,
   * so a page re-reading results as runs start and end does not stall the server.
   */
  const comparisonCache = new Map<number, { key: string; value: StudyComparison[] }>()
  function comparisons(experimentId: number, arms: ArmRuns[]): StudyComparison[] {
    const key = arms
      .map(
        (a) =>
          `${a.plan.name}:${a.seeds.map((s) => (s.run.status === 'completed' && s.evaluation ? `${s.run.id}@${s.evaluation.iteration}` : '-')).join(',')}`,
      )
      .join('|')
    const cached = comparisonCache.get(experimentId)
    if (cached?.key === key) return cached.value
    const value = compareArms(arms)
    comparisonCache.set(experimentId, { key, value })
    return value
  }

  function studyResults(experimentId: number): StudyResults {
    const experiment = deps.experiments.get(experimentId)
    const { arms, sources } = armRuns(experimentId)
    if (arms.length === 0 && sources.length === 0)
      throw new WorkbenchError('not_found', `experiment ${experimentId} has no runs`)
    const summaries = arms.map(summarizeArm)
    const clips = arms.flatMap((a) => a.seeds).find((s) => s.evaluation)?.evaluation?.clips ?? 0
    return {
      experimentId,
      name: experiment.name,
      plan: record(experimentId)?.plan ?? null,
      state: state(experimentId) ?? null,
      arms: summaries,
      sources: sources.map(studyRun),
      comparisons: comparisons(experimentId, arms),
      testClips: clips,
    }
  }

  /** The study's report (docs/studies.md, "The report") from its results as they stand. */
  async function studyReport(experimentId: number): Promise<StudyReport> {
    const results = studyResults(experimentId)
    const plan = results.plan
    const datasetName = (id: number) => {
      const d = deps.datasets.get(id)
      return `${d.name} (${d.splits.train} train, ${d.splits.val} val, ${d.splits.test} test clips)`
    }
    const processors = cpus()
    const setup: ReportSetup = {
      target: plan ? datasetName(plan.targetDatasetId) : '—',
      sources: plan ? plan.sources.map((s) => `${s.name}: ${datasetName(s.datasetId)}`) : [],
      machine: `${processors.length} × ${processors[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}`,
      generatedAt: new Date().toISOString(),
    }
    const { arms } = armRuns(experimentId)
    const rows = arms.flatMap((arm) =>
      arm.seeds.flatMap(({ run, seed, evaluation }) => {
        if (!evaluation) return []
        const trained = evaluation.mse.length
        const scores = (
          s: Pick<EvaluationSummary, 'mse' | 'mae' | 'ssim' | 'psnr'>,
          from: number,
        ) =>
          s.mse.map((_, j) => ({
            arm: arm.plan.name,
            seed,
            runId: run.id,
            frame: from + j + 1,
            beyondTraining: from > 0,
            mse: s.mse[j] ?? null,
            mae: s.mae[j] ?? null,
            ssim: s.ssim[j] ?? null,
            psnr: s.psnr[j] ?? null,
          }))
        return [
          ...scores(evaluation, 0),
          ...(evaluation.beyond ? scores(evaluation.beyond, trained) : []),
        ]
      }),
    )
    // The runs' saved predictions and introspection, read as the run pages read them.
    const media: StudyMediaDeps = {
      datasets: deps.datasets,
      artifacts: createRunArtifactsService({ runs: deps.runs }),
    }
    // A TMU arm's gates follow its sources in the order its plan lists them.
    const sourcesOf = (name: string) =>
      plan?.arms.find((a) => a.name === name)?.sources.map((i) => plan.sources[i]!.name) ?? []
    return renderStudyReport(results, setup, rows, {
      introspection: arms.flatMap((arm) => {
        const found = armIntrospection(arm, sourcesOf(arm.plan.name), media)
        return found ? [found] : []
      }),
      samples: plan ? await sampleStrip(arms, plan.targetDatasetId, 0, media) : null,
    })
  }

  return {
    create,

    /**
     * The Flying Digits protocol (docs/method.md §4): generates its datasets, then trains the
     * zoo, the main arms and any ablations in the background, every run on `backend`.
     */
    flyingDigits({
      scale,
      backend,
      seeds,
      ablations,
      sourcesPerSeed,
      sourceCells,
      targetCell,
    }: ParsedInput<'studies.flyingDigits'>): StudyState {
      const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ')
      const [one, two, three] = [1, 2, 3].map((digits) => dataset(scale, digits)) as [
        Dataset,
        Dataset,
        Dataset,
      ]
      const scaleConfig = STUDY_SCALES[scale].config
      const config = {
        ...scaleConfig,
        model: targetCell ? modelOnBackbone(scaleConfig.model, targetCell) : scaleConfig.model,
        backend,
      }
      const arms = mainArms(2)
      const tmu = arms.at(-1)!
      const layers = config.model.hidden.length
      const cells = sourceCells ?? [config.model.cell, config.model.cell]
      const zoo = cells.every((c) => c === cells[0])
        ? `${CELL_LABELS[cells[0]!]} networks trained on 1 and 2 digits`
        : `${aCell(cells[0]!)} on 1 digit and ${aCell(cells[1]!)} on 2`
      return create({
        name: `Flying Digits study · ${scale} · ${stamp}`,
        description: `Target: ${CELL_LABELS[config.model.cell]} on 3-digit Flying Digits. Zoo: ${zoo}. Arms: scratch, finetune from each source, TMU with both, and TMU variants (docs/method.md §4, docs/studies.md).`,
        plan: StudyPlan.parse({
          scale,
          targetDatasetId: three.id,
          sources: [one, two].map((d, i) => ({
            // The backbone in the name where the zoo mixes them: it names the zoo's models.
            name: `${sourceLabel(i)} ${scale}${sourceCells ? ` ${cells[i]}` : ''}`,
            datasetId: d.id,
            cell: cells[i],
          })),
          config,
          seeds: seeds ?? STUDY_SCALES[scale].seeds,
          sourcesPerSeed,
          arms: [...arms, ...ablations.map((a) => ablationArm(a, tmu, layers))],
        }),
      })
    },

    /** Adds seeds or TMU variants; the pipeline then files and trains only what is missing. */
    extend({ experimentId, seeds, ablations }: ParsedInput<'studies.extend'>): StudyState {
      const experiment = studyExperiment(experimentId)
      const r = record(experimentId)
      if (!r)
        throw new WorkbenchError(
          'invalid_input',
          `study "${experiment.name}" has no stored plan to extend`,
        )
      if (seeds !== undefined && seeds < r.plan.seeds)
        throw new WorkbenchError(
          'invalid_input',
          `study "${experiment.name}" has ${r.plan.seeds} seeds; a study only grows`,
        )
      const base = r.plan.arms.find((a) => a.kind === 'tmu' && a.ablationOf === null)
      if (ablations.length && !base)
        throw new WorkbenchError(
          'invalid_input',
          `study "${experiment.name}" has no TMU arm to vary`,
        )
      const added = ablations
        .map((a) => ablationArm(a, base!, r.plan.config.model.hidden.length))
        .filter((arm) => !r.plan.arms.some((a) => a.name === arm.name))
      const plan = { ...r.plan, seeds: seeds ?? r.plan.seeds, arms: [...r.plan.arms, ...added] }
      deps.records.write(experimentId, { ...r, plan })
      report(experimentId, 'arms', `extended to ${plan.seeds} seeds and ${plan.arms.length} arms`)
      void drive(experimentId)
      return stateOf(experimentId, record(experimentId)!)
    },

    /** Picks up a study where it stopped: files what is missing, resumes interrupted runs. */
    resume(experimentId: number): StudyState {
      const experiment = studyExperiment(experimentId)
      if (!record(experimentId)) {
        void awaitLegacy(experimentId)
        return (
          legacyStates.get(experimentId) ?? {
            experimentId,
            scale: scaleTag(experimentId),
            stage: 'arms',
            message: `waiting for the arms of "${experiment.name}"`,
          }
        )
      }
      void drive(experimentId)
      return stateOf(experimentId, record(experimentId)!)
    },

    /** At start (app and serve): every study a stopped workbench left unfinished goes on. */
    resumeUnfinished() {
      for (const experiment of deps.experiments.list({ includeArchived: true })) {
        if (!experiment.tags.includes('study')) continue
        const r = record(experiment.id)
        if (r && r.stage !== 'done' && r.stage !== 'failed') void drive(experiment.id)
      }
    },

    state,

    /**
     * Trains a target arm's run that stopped short again on `backend`; the study then goes on
     * and reports done once every run completes. Sources are not arms: the arms were built
     * on them, so a study whose source failed is started again instead.
     */
    async restartArm({
      experimentId,
      runId,
      backend,
    }: ParsedInput<'studies.restartArm'>): Promise<Run> {
      const experiment = studyExperiment(experimentId)
      const run = deps.runs.get(runId)
      if (run.experimentId !== experimentId || run.kind === 'source') {
        throw new WorkbenchError(
          'invalid_input',
          `run "${run.name}" is not a target arm of study "${experiment.name}"`,
        )
      }
      const restarted = await deps.runs.restart({ id: runId, backend })
      report(experimentId, 'arms', `training "${run.name}" again on ${backend}`)
      if (record(experimentId)) void drive(experimentId)
      else void awaitLegacy(experimentId)
      return restarted
    },

    results: studyResults,

    report: studyReport,

    close() {
      closed = true
    },
  }
}

export type StudiesService = ReturnType<typeof createStudiesService>
