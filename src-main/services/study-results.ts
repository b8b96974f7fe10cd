import type {
  EvaluationSummary,
  Interval,
  Run,
  RunKind,
  StudyArm,
  StudyArmPlan,
  StudyComparison,
  StudyMetric,
  StudyRun,
} from '../api/contract'
import { deriveSeed } from '../ml/random'
import { pairedBootstrap } from '../ml/stats/paired-bootstrap'
import { meanInterval, type Interval as StatsInterval } from '../ml/stats/student-t'
import { pairedVerdict } from '../ml/stats/verdict'

/** One seed's training of an arm, with its test evaluation once it has one. */
export interface SeedRun {
  run: Run
  seed: number
  evaluation: EvaluationSummary | null
}

/** An arm as the statistics see it: its plan (null for a study filed before plans) and seeds. */
export interface ArmRuns {
  plan: Pick<StudyArmPlan, 'name' | 'ablationOf'> & { kind: RunKind }
  seeds: SeedRun[]
}

const METRICS: readonly StudyMetric[] = ['mse', 'mae', 'ssim', 'psnr']
const MEAN_KEY = { mse: 'meanMse', mae: 'meanMae', ssim: 'meanSsim', psnr: 'meanPsnr' } as const
/** How the verdicts name the metrics they compare. */
const METRIC_LABEL: Record<StudyMetric, string> = {
  mse: 'MSE',
  mae: 'MAE',
  ssim: 'SSIM',
  psnr: 'PSNR',
}
/** The verdicts compare on these; MAE and PSNR follow MSE closely (they are in the tables). */
const COMPARED: readonly StudyMetric[] = ['mse', 'ssim']

/** JSON carries NaN and ±Inf as null; the statistics must see them as not finite. */
const finite = (v: number | null | undefined) => (v === null || v === undefined ? NaN : v)
/** And back: a non-finite estimate or bound goes out as null. */
const toContract = (i: StatsInterval): Interval => ({
  estimate: Number.isFinite(i.estimate) ? i.estimate : null,
  low: i.low !== null && Number.isFinite(i.low) ? i.low : null,
  high: i.high !== null && Number.isFinite(i.high) ? i.high : null,
})

export const studyRun = ({ run, seed, evaluation }: SeedRun): StudyRun => ({
  runId: run.id,
  name: run.name,
  seed,
  status: run.status,
  backend: run.backend,
  iteration: run.iteration,
  trainedSeconds: run.trainedSeconds,
  meanMse: evaluation?.meanMse ?? null,
})

/** Seeds that completed and were scored: the ones the statistics count. */
const scored = (arm: ArmRuns) =>
  arm.seeds.filter((s) => s.run.status === 'completed' && s.evaluation !== null) as (SeedRun & {
    evaluation: EvaluationSummary
  })[]

/** Means and 95 % t intervals over an arm's scored seeds, per lead time and overall. */
export function summarizeArm(arm: ArmRuns): StudyArm {
  const seeds = scored(arm)
  const frames = Math.max(0, ...seeds.map((s) => s.evaluation.mse.length))
  const perFrame = (metric: StudyMetric) =>
    Array.from({ length: frames }, (_, j) =>
      toContract(meanInterval(seeds.map((s) => finite(s.evaluation[metric][j])))),
    )
  const beyondFrames = Math.max(0, ...seeds.map((s) => s.evaluation.beyond?.mse.length ?? 0))
  const beyond = (metric: StudyMetric) =>
    Array.from({ length: beyondFrames }, (_, j) =>
      toContract(
        meanInterval(
          seeds.flatMap((s) =>
            s.evaluation.beyond ? [finite(s.evaluation.beyond[metric][j])] : [],
          ),
        ),
      ),
    )
  const beyondOverall = (metric: StudyMetric) =>
    toContract(
      meanInterval(
        seeds.flatMap((s) => {
          const scores = s.evaluation.beyond?.[metric] ?? []
          return scores.length
            ? [scores.reduce<number>((sum, v) => sum + finite(v), 0) / scores.length]
            : []
        }),
      ),
    )
  const overall = (metric: StudyMetric) =>
    toContract(meanInterval(seeds.map((s) => finite(s.evaluation[MEAN_KEY[metric]]))))
  const intervals = Object.fromEntries(METRICS.map((m) => [m, perFrame(m)])) as Record<
    StudyMetric,
    Interval[]
  >
  const means = Object.fromEntries(METRICS.map((m) => [m, overall(m)])) as Record<
    StudyMetric,
    Interval
  >
  const first = arm.seeds[0]!
  const unfinished = arm.seeds.find((s) => s.run.status !== 'completed')
  const backends = [...new Set(arm.seeds.flatMap((s) => (s.run.backend ? [s.run.backend] : [])))]
  return {
    name: arm.plan.name,
    kind: arm.plan.kind,
    ablationOf: arm.plan.ablationOf,
    runId: first.run.id,
    runs: arm.seeds.map(studyRun),
    status: unfinished?.run.status ?? 'completed',
    backend: backends.length ? backends.join(', ') : null,
    iterations: first.run.config.train.iterations,
    wallSeconds: arm.seeds.reduce((sum, s) => sum + s.run.trainedSeconds, 0),
    scoredSeeds: seeds.length,
    mse: intervals.mse.map((i) => i.estimate),
    ssim: intervals.ssim.map((i) => i.estimate),
    meanMse: means.mse.estimate,
    meanSsim: means.ssim.estimate,
    meanPsnr: means.psnr.estimate,
    perFrame: intervals,
    overall: means,
    beyond: Object.fromEntries(METRICS.map((m) => [m, beyond(m)])) as Record<
      StudyMetric,
      Interval[]
    >,
    beyondOverall: Object.fromEntries(METRICS.map((m) => [m, beyondOverall(m)])) as Record<
      StudyMetric,
      Interval
    >,
  }
}

/** `[seed][clip][frame]` of one metric, for the bootstrap. */
const perClip = (arm: ArmRuns, metric: StudyMetric) =>
  scored(arm).map((s) => s.evaluation.perClip.map((clip) => clip[metric].map(finite)))

/** A string's 32-bit FNV-1a hash: a seed that follows the pair's names, not their order. */
export function hashName(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

/** The pairs a study reports: main arms pairwise (later − earlier), each ablation − its base. */
export function comparedPairs(arms: readonly ArmRuns[]): [ArmRuns, ArmRuns][] {
  const main = arms.filter((a) => a.plan.ablationOf === null)
  const pairs: [ArmRuns, ArmRuns][] = []
  main.forEach((b, i) => main.slice(i + 1).forEach((a) => pairs.push([a, b])))
  for (const a of arms) {
    const base = arms.find((b) => b.plan.name === a.plan.ablationOf)
    if (base) pairs.push([a, base])
  }
  return pairs
}

/**
 * Paired comparisons on the same test clips, once both arms have a scored seed. Arms scored
 * on different clip counts (a run evaluated before the plan's test clips changed) are not
 * paired: the comparison says so rather than pairing clips that differ.
 */
export function compareArms(arms: readonly ArmRuns[]): StudyComparison[] {
  const out: StudyComparison[] = []
  for (const [a, b] of comparedPairs(arms)) {
    if (scored(a).length === 0 || scored(b).length === 0) continue
    for (const metric of COMPARED) {
      const scoresA = perClip(a, metric)
      const scoresB = perClip(b, metric)
      const clips = new Set([...scoresA, ...scoresB].map((s) => s.length))
      const label = METRIC_LABEL[metric]
      if (clips.size !== 1) {
        out.push({
          a: a.plan.name,
          b: b.plan.name,
          metric,
          perFrame: [],
          mean: { estimate: null, low: null, high: null },
          verdict: `${a.plan.name} and ${b.plan.name} were scored on different test clips; not compared`,
        })
        continue
      }
      const difference = pairedBootstrap(scoresA, scoresB, {
        seed: deriveSeed(hashName(`${a.plan.name}|${b.plan.name}|${metric}`), 0),
      })
      out.push({
        a: a.plan.name,
        b: b.plan.name,
        metric,
        perFrame: difference.perFrame.map(toContract),
        mean: toContract(difference.mean),
        verdict: pairedVerdict(a.plan.name, b.plan.name, label, difference),
      })
    }
  }
  return out
}
