// `npm run screenshots [-- --workspace DIR]`: the main views as a user sees them, at 1280×720
// and 1920×1080, light and dark, into docs/screenshots/<view>-<width>x<height>-<theme>.png.
//
// The workspace is real, made the way a user would make one: the tiny Flying Digits study
// from the command line (two sources, the zoo, scratch, finetune and TMU arms with seeds),
// then `tmu serve` and Debian's Chromium. Given --workspace, an existing one is shot as it is.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from '@playwright/test'
import { startServe } from '../e2e/serve-fixture'

const root = join(import.meta.dirname, '..')
const outDir = join(root, 'docs', 'screenshots')
const tmu = (workspace: string, ...args: string[]) =>
  execFileSync(process.execPath, [join(root, 'bin', 'tmu.js'), ...args, '--workspace', workspace], {
    encoding: 'utf8',
  })

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const
const THEMES = ['light', 'dark'] as const

interface Shot {
  name: string
  /** The hash route, from the workspace's own runs where it needs an id. */
  route: string
  /** What must be on the page before it is shot, so no view is caught loading. */
  ready: (page: Page) => Promise<unknown>
  /** For a panel below the fold or behind a toggle: bring it on screen, as a user would. */
  show?: (page: Page) => Promise<unknown>
}

function shotsOf(workspace: string): Shot[] {
  const runs = JSON.parse(tmu(workspace, 'runs', '--json')) as {
    id: number
    kind: string
    experimentId: number
  }[]
  const target = runs.find((r) => r.kind === 'tmu') ?? runs[0]
  const compared = runs.filter((r) => r.kind !== 'source').slice(0, 3)
  if (!target) throw new Error(`${workspace}: no runs to show (train one first)`)
  const heading = (name: string) => (page: Page) =>
    page.getByRole('heading', { name, exact: true }).first().waitFor()
  const canvas = (page: Page) => page.locator('canvas').first().waitFor()
  const scrollTo = (region: string) => (page: Page) =>
    page.getByRole('region', { name: region, exact: true }).scrollIntoViewIfNeeded()
  const compareRoute = `#/compare?runs=${compared.map((r) => r.id).join(',')}&clip=0`
  return [
    { name: 'experiments', route: '#/experiments', ready: heading('Experiments') },
    { name: 'runs', route: '#/runs', ready: heading('Runs') },
    { name: 'new-run', route: '#/runs/new', ready: heading('New run') },
    { name: 'run-detail', route: `#/runs/${target.id}`, ready: canvas },
    {
      name: 'run-training-steps',
      route: `#/runs/${target.id}`,
      ready: canvas,
      show: scrollTo('Predictions during training'),
    },
    { name: 'run-predict', route: `#/runs/${target.id}`, ready: canvas, show: scrollTo('Predict') },
    { name: 'compare', route: compareRoute, ready: canvas },
    {
      name: 'compare-tmu-maps',
      route: compareRoute,
      ready: canvas,
      show: async (page) => {
        await page.getByRole('checkbox', { name: /TMU maps/ }).check()
        const maps = page.locator('[data-row$=" · TMU maps"]').first()
        await maps.locator('canvas').first().waitFor()
        await maps.scrollIntoViewIfNeeded()
      },
    },
    {
      name: 'compare-training-steps',
      route: compareRoute,
      ready: canvas,
      show: (page) => page.getByRole('radio', { name: 'Training steps' }).check(),
    },
    { name: 'datasets', route: '#/datasets', ready: heading('Datasets') },
    { name: 'zoo', route: '#/zoo', ready: heading('Zoo') },
    {
      name: 'studies',
      route: `#/studies?experiment=${target.experimentId}`,
      // An arm's row, not any table: the zoo's, shot just before, may still be on the page.
      ready: (page) => page.locator('tr[data-arm]').first().waitFor(),
    },
    { name: 'settings', route: '#/settings', ready: heading('Settings') },
  ]
}

function workspaceToShow(): string {
  const given = process.argv.indexOf('--workspace')
  if (given >= 0 && process.argv[given + 1]) return process.argv[given + 1]!
  const workspace = mkdtempSync(join(tmpdir(), 'tmu-screenshots-'))
  process.stdout.write(`Training the tiny study in ${workspace} (a few minutes)…\n`)
  tmu(workspace, 'study', 'flying-digits', '--scale', 'tiny')
  return workspace
}

const workspace = workspaceToShow()
const shots = shotsOf(workspace)
mkdirSync(outDir, { recursive: true })
const server = await startServe(workspace)
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--disable-background-networking', '--disable-component-update', '--no-first-run'],
})
try {
  for (const theme of THEMES) {
    for (const viewport of SIZES) {
      // The workbench follows the OS's scheme until a theme is chosen in Settings.
      const context = await browser.newContext({ viewport, colorScheme: theme })
      const page = await context.newPage()
      await page.goto(server.url)
      for (const shot of shots) {
        await page.goto(`${new URL(server.url).origin}/${shot.route}`)
        await shot.ready(page)
        await shot.show?.(page)
        // Charts and players draw on the next frames; fonts settle.
        await page.waitForTimeout(600)
        const file = join(outDir, `${shot.name}-${viewport.width}x${viewport.height}-${theme}.png`)
        await page.screenshot({ path: file })
        process.stdout.write(`${file}\n`)
      }
      await context.close()
    }
  }
} finally {
  await browser.close()
  server.child.kill('SIGTERM')
}
