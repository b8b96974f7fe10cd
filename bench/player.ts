import vue from '@vitejs/plugin-vue'
import { chromium } from '@playwright/test'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import sirv from 'sirv'
import { build } from 'vite'

const ROOT = resolve(import.meta.dirname, '..')
const RUNS = 8
const SIZE = 128
const FRAMES = 20
const ZOOM = 2
/** Each run also shows a TMU target's maps: T_m and |D_m − C̃| per source and |C|. */
const TMU_SOURCES = 2
const DURATION_MS = 5_000

/** What the bench page (src-renderer/src/bench/PlayerBench.vue) puts on its window. */
// page.evaluate callbacks run in the page, where globalThis is its window.
interface BenchWindow {
  playerBench?: {
    measure(ms: number): Promise<{ fps: number; worstFrameMs: number; frames: number }>
    panes: number
  }
}

/**
 * Frame player speed: the product's PredictionPlayer and usePlayback clock, 8 runs × 128×128
 * (each with its |error| heat map and a TMU maps row of 2 sources: 2 gate maps, 2 departure
 * maps and |C|, 57 canvases, zoom 2), played at max speed for 5 s in Chromium. Goal: 60 fps. The page is built by vite from src-renderer/bench-player.html.
 */
export async function runPlayerBench(): Promise<object> {
  const outDir = mkdtempSync(join(tmpdir(), 'tmu-bench-player-'))
  // sirv lists the files when created, so the server starts after the build.
  let server: Server | undefined
  try {
    await build({
      root: join(ROOT, 'src-renderer'),
      base: './',
      logLevel: 'warn',
      plugins: [vue()],
      resolve: { alias: { '@contract': join(ROOT, 'src-main/api/contract') } },
      build: {
        outDir,
        emptyOutDir: true,
        rollupOptions: { input: join(ROOT, 'src-renderer/bench-player.html') },
      },
    })
    const listening = createServer(sirv(outDir))
    server = listening
    await new Promise<void>((done) => listening.listen(0, '127.0.0.1', done))
    const { port } = listening.address() as { port: number }

    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    })
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
      const errors: string[] = []
      page.on('pageerror', (e) => errors.push(e.message))
      const query = `runs=${RUNS}&size=${SIZE}&frames=${FRAMES}&zoom=${ZOOM}&tmuSources=${TMU_SOURCES}`
      await page.goto(`http://127.0.0.1:${port}/bench-player.html?${query}`)
      await page.waitForFunction(() => (globalThis as BenchWindow).playerBench !== undefined)
      // A short warm-up lets the JIT and the canvases settle before the measured run.
      await page.evaluate(() => (globalThis as BenchWindow).playerBench!.measure(500))
      const measured = await page.evaluate(
        (ms) => (globalThis as BenchWindow).playerBench!.measure(ms),
        DURATION_MS,
      )
      const panes = await page.evaluate(() => (globalThis as BenchWindow).playerBench!.panes)
      if (errors.length) throw new Error(`player bench page failed: ${errors.join('; ')}`)
      const result = {
        setup: {
          runs: RUNS,
          size: `${SIZE}×${SIZE}`,
          frames: FRAMES,
          zoom: ZOOM,
          tmuMapSources: TMU_SOURCES,
          panes,
          seconds: DURATION_MS / 1000,
        },
        fps: Math.round(measured.fps * 10) / 10,
        worstFrameMs: Math.round(measured.worstFrameMs * 10) / 10,
        framesShown: measured.frames,
        goalFps: 60,
      }
      console.log(
        `player: ${result.fps} fps, worst frame ${result.worstFrameMs} ms (${panes} canvases: ${RUNS} runs of ${SIZE}×${SIZE} at ${ZOOM}× with TMU maps of ${TMU_SOURCES} sources; goal 60 fps)`,
      )
      return result
    } finally {
      await browser.close()
    }
  } finally {
    server?.close()
    rmSync(outDir, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPlayerBench()
}
