/**
 * `npm run bench -- <name> [<name> …]`: runs benchmarks, prints their figures and saves each
 * result with a description of the machine to bench/results/<name>.json, or to
 * <TMU_BENCH_RESULT>.json: a partial run (TMU_BENCH_CELLS) then leaves the full one's file as
 * it was. Speed and memory targets live here, never in timed tests.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem, platform, release } from 'node:os'
import { join } from 'node:path'

type Bench = () => Promise<unknown>

const benches: Record<string, { describe: string; load: () => Promise<Bench> }> = {
  data: {
    describe: 'import throughput of a Moving-MNIST-shaped .npy and batches/s from the frame store',
    load: async () => (await import('./data')).runDataBench,
  },
  train: {
    describe:
      'seconds per training iteration of every backbone, every backend, alternating with PyTorch',
    load: async () => () =>
      import('./train').then((m) => m.runTrainBench(m.trainBenchOptionsFromEnv(process.env))),
  },
  tmu: {
    describe: 'TMU target with 2 sources vs the same backbone from scratch (memory-bank overhead)',
    load: async () => () => import('./tmu').then((m) => m.runTmuBench()),
  },
  player: {
    describe: 'frame player fps and worst frame time, 8 runs × 128×128 in Chromium',
    load: async () => () => import('./player').then((m) => m.runPlayerBench()),
  },
  responsiveness: {
    describe: 'API round-trip latency while a job trains',
    load: async () => () => import('./responsiveness').then((m) => m.runResponsivenessBench()),
  },
}

function machine() {
  let git = 'unknown'
  try {
    git = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
  } catch {
    // Not a checkout: the results still say what ran where.
  }
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
    commit: git,
    // 1, 5 and 15 min load averages as the result is saved (the bench's own work included):
    // figures taken beside other work read lower.
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}

async function main() {
  const names = process.argv.slice(2)
  if (names.length === 0 || names.some((n) => !(n in benches))) {
    console.log('usage: npm run bench -- <name> [<name> …]\n')
    for (const [name, b] of Object.entries(benches))
      console.log(`  ${name.padEnd(15)} ${b.describe}`)
    process.exitCode = names.length === 0 ? 0 : 1
    return
  }
  if (process.env.TMU_BENCH_RESULT && names.length > 1) {
    console.error('TMU_BENCH_RESULT names one result file: run one bench at a time with it')
    process.exitCode = 1
    return
  }
  const dir = join(import.meta.dirname, 'results')
  mkdirSync(dir, { recursive: true })
  for (const name of names) {
    console.log(`== ${name}: ${benches[name]!.describe}`)
    const started = new Date()
    const result = await (await benches[name]!.load())()
    const file = join(dir, `${process.env.TMU_BENCH_RESULT ?? name}.json`)
    writeFileSync(
      file,
      JSON.stringify(
        { bench: name, date: started.toISOString(), machine: machine(), result },
        null,
        2,
      ) + '\n',
    )
    console.log(`saved ${file}`)
  }
}

await main()
