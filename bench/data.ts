import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createBatcher } from '../src-main/data/batcher'
import { generateFlyingDigitClips } from '../src-main/data/flying-digits'
import { openFrameStore } from '../src-main/data/frame-store'
import { npyImporter } from '../src-main/data/importers/npy-importer'
import { encodeNpyHeader } from '../src-main/data/npy'

/** The published Moving MNIST test file's shape: 20 frames × 10 000 clips × 64 × 64, uint8. */
const T = 20
const N = 10_000
const S = 64
const BATCH = 8
const BATCHES = 2_000
/** Clips generated per write (N is a multiple): 40 MB, small beside the import it precedes. */
const BLOCK = 500

/**
 * Data pipeline speed: import of a Moving-MNIST-shaped .npy (MB/s, peak RSS, which must stay far
 * below the file's 820 MB because the importer streams) and batches/s from the frame store.
 */
export async function runDataBench(): Promise<object> {
  const work = mkdtempSync(join(tmpdir(), 'tmu-bench-data-'))
  try {
    const npy = join(work, 'mnist_test_seq.npy')
    const generateSeconds = timeSync(() => writeMovingMnistNpy(npy))
    const fileMB = statSync(npy).size / 1e6

    const rssBeforeMB = process.memoryUsage.rss() / 1e6
    let peakRss = 0
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20)
    const started = performance.now()
    const manifest = await npyImporter.importTo(npy, join(work, 'store'))
    const importSeconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    peakRss = Math.max(peakRss, process.memoryUsage.rss())

    const store = openFrameStore(join(work, 'store'))
    const batcher = createBatcher(store, { split: 'train', batchSize: BATCH, seed: 0 })
    const batchStart = performance.now()
    for (let i = 0; i < BATCHES; i++) await batcher.next()
    const batchSeconds = (performance.now() - batchStart) / 1000
    await store.close()

    const result = {
      file: {
        shape: [T, N, S, S],
        megabytes: round(fileMB),
        generateSeconds: round(generateSeconds),
      },
      import: {
        seconds: round(importSeconds),
        megabytesPerSecond: round(fileMB / importSeconds),
        rssBeforeMB: round(rssBeforeMB),
        peakRssMB: round(peakRss / 1e6),
        clips: manifest.clipCount,
      },
      batches: { batchSize: BATCH, count: BATCHES, perSecond: round(BATCHES / batchSeconds) },
    }
    console.log(
      `data: import ${result.import.megabytesPerSecond} MB/s (${result.import.seconds} s for ` +
        `${result.file.megabytes} MB), peak RSS ${result.import.peakRssMB} MB ` +
        `(before ${result.import.rssBeforeMB} MB); ${result.batches.perSecond} batches/s at batch ${BATCH}`,
    )
    return result
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

/** Writes generated 2-digit clips time-first, as the published file is, a block at a time. */
function writeMovingMnistNpy(path: string) {
  const header = encodeNpyHeader('uint8', [T, N, S, S])
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, header)
    const frame = S * S
    const block = new Uint8Array(BLOCK * T * frame)
    const slice = new Uint8Array(BLOCK * frame)
    let n0 = 0
    let k = 0
    for (const clip of generateFlyingDigitClips({ clipCount: N, seed: 1 })) {
      block.set(clip.framesTHWC, k++ * T * frame)
      if (k < BLOCK) continue
      for (let t = 0; t < T; t++) {
        for (let j = 0; j < BLOCK; j++) {
          slice.set(block.subarray((j * T + t) * frame, (j * T + t + 1) * frame), j * frame)
        }
        writeSync(fd, slice, 0, slice.length, header.length + (t * N + n0) * frame)
      }
      n0 += BLOCK
      k = 0
    }
  } finally {
    closeSync(fd)
  }
}

function timeSync(run: () => void): number {
  const started = performance.now()
  run()
  return (performance.now() - started) / 1000
}

const round = (x: number) => Math.round(x * 10) / 10

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runDataBench()
}
