import { defineConfig } from '@playwright/test'

/**
 * End-to-end tests. `serve` drives Debian's Chromium against the workbench in serve mode
 * (Playwright's own browser downloads are unavailable offline); `electron` drives the desktop
 * app where its binary exists and reports itself skipped elsewhere.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  // Each spec starts its own server and workspace; two workers fit two cores.
  workers: 2,
  reporter: [['list'], ['json', { outputFile: 'reports/e2e.json' }]],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'serve',
      testIgnore: /\.electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 720 },
        launchOptions: {
          executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
          args: [
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
        },
      },
    },
    { name: 'electron', testMatch: /\.electron\.spec\.ts$/ },
  ],
})
